export async function runDemo(_o: {
  store?: string;
  out: (t: string) => void;
  json: boolean;
}): Promise<void> {}
