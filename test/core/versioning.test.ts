import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import {
  type Bump,
  compareVersions,
  FIRST_VERSION,
  maxVersion,
  nextVersion,
  parseBump,
  parseVersion,
  versionSortKey,
} from '../../src/core/versioning.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('parseVersion', () => {
  it.each([
    '1.0.0',
    '0.0.1',
    '0.0.0',
    '1.2.3-rc.1',
    '2.0.0-alpha',
    '1.0.0-alpha.beta.1',
    '1.0.0-x-y-z.--',
    '10.20.30',
    '9007199254740991.0.0',
    '1.0.0-9007199254740990',
  ])('accepts %j unchanged', (version) => {
    // Act
    const result = parseVersion(version);

    // Assess
    expect(result).toBe(version);
  });

  it.each([
    'v1.0.0',
    'V1.0.0',
    '=1.0.0',
    '1.0',
    '1',
    ' 1.0.0',
    '1.0.0 ',
    '1.0.0\n',
    '01.0.0',
    '1.01.0',
    '1.0.0-01',
    '1.0.0-',
    '1.0.0-rc..1',
    '',
    'latest',
    '9007199254740992.0.0',
    '1.0.0-9007199254740991',
    '1.0.0-rc.100000000000000000',
  ])('refuses %j, naming the value and the expected form', (version) => {
    // Act
    const error = thrown(() => parseVersion(version));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(`version ${JSON.stringify(version)}`);
    expect((error as ValidationError).details).toMatchObject({ field: 'version', value: version });
  });

  it.each(['1.0.0+build', '1.0.0+build.5', '1.2.3-rc.1+sha.abc'])(
    'refuses %j and says build metadata has no precedence',
    (version) => {
      // Act
      const error = thrown(() => parseVersion(version));

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toContain('build metadata');
      expect((error as Error).message).toContain(JSON.stringify(version));
    },
  );

  it('refuses a version with a "v" prefix and build metadata as not strict', () => {
    // Act
    const error = thrown(() => parseVersion('v1.0.0+build'));

    // Assess
    expect((error as Error).message).toContain('is not strict semantic versioning');
  });

  it.each([
    [1, '1'],
    [null, 'null'],
    [undefined, 'undefined'],
  ])('refuses the non-string %j as %j', (value, shown) => {
    // Act
    const error = thrown(() => parseVersion(value));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(JSON.stringify(shown));
  });
});

describe('parseBump', () => {
  it.each(['major', 'minor', 'patch'])('accepts %j', (bump) => {
    // Act / Assess
    expect(parseBump(bump)).toBe(bump);
  });

  it.each(['Major', 'pre', '', null, 1])('refuses %j, listing the allowed bumps', (bump) => {
    // Act
    const error = thrown(() => parseBump(bump));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain('major, minor, patch');
  });
});

describe('nextVersion', () => {
  it.each<[string | null, Bump | undefined, string]>([
    [null, undefined, FIRST_VERSION],
    [null, 'major', '1.0.0'],
    [null, 'minor', '1.0.0'],
    ['1.2.3', undefined, '1.2.4'],
    ['1.2.3', 'patch', '1.2.4'],
    ['1.2.3', 'minor', '1.3.0'],
    ['1.2.3', 'major', '2.0.0'],
    ['1.9.9', 'minor', '1.10.0'],
    ['0.0.1', 'patch', '0.0.2'],
    ['1.0.0-rc.1', 'patch', '1.0.0'],
    ['1.0.0-rc.1', 'minor', '1.0.0'],
    ['1.0.0-rc.1', 'major', '1.0.0'],
    ['1.2.3-rc.1', 'patch', '1.2.3'],
    ['1.2.3-rc.1', 'minor', '1.3.0'],
    ['1.2.3-rc.1', 'major', '2.0.0'],
    ['1.2.0-rc.1', 'minor', '1.2.0'],
  ])('bumps %j by %s to %j', (highest, bump, expected) => {
    // Act
    const next = bump === undefined ? nextVersion(highest) : nextVersion(highest, bump);

    // Assess
    expect(next).toBe(expected);
  });

  it.each(['0.0.1', '1.0.0', '1.0.0-rc.1', '1.2.0-alpha', '3.4.5-0'])(
    'always gives a version above %j',
    (highest) => {
      // Act
      const nexts = (['major', 'minor', 'patch'] as const).map((b) => nextVersion(highest, b));

      // Assess
      for (const next of nexts) expect(semver.gt(next, highest)).toBe(true);
    },
  );

  it('fails on something that is not a version', () => {
    // Act / Assess
    expect(() => nextVersion('nope')).toThrow(ValidationError);
  });
});

describe('compareVersions', () => {
  it.each([
    ['1.0.0', '2.0.0', -1],
    ['2.0.0', '1.0.0', 1],
    ['1.0.0', '1.0.0', 0],
    ['1.10.0', '1.9.0', 1],
    ['1.0.0-rc.1', '1.0.0', -1],
  ])('compares %s with %s as %i', (a, b, expected) => {
    // Act / Assess
    expect(compareVersions(a, b)).toBe(expected);
  });
});

describe('maxVersion', () => {
  it.each<[string | null, string | null, string | null]>([
    [null, null, null],
    [null, '1.0.0', '1.0.0'],
    ['1.0.0', null, '1.0.0'],
    ['1.0.0', '0.9.0', '1.0.0'],
    ['0.9.0', '1.0.0', '1.0.0'],
    ['1.9.0', '1.10.0', '1.10.0'],
    ['1.0.0-rc.1', '1.0.0', '1.0.0'],
    ['1.0.0', '1.0.0-rc.1', '1.0.0'],
    ['1.0.0-beta.11', '1.0.0-beta.2', '1.0.0-beta.11'],
    ['2.0.0', '2.0.0', '2.0.0'],
  ])('picks the higher of %j and %j: %j', (a, b, expected) => {
    // Act / Assess
    expect(maxVersion(a, b)).toBe(expected);
  });
});

/** Versions chosen to exercise every rule of semver precedence. */
function generatedVersions(): string[] {
  const cores = [
    '0.0.0',
    '0.0.1',
    '0.1.0',
    '0.9.99',
    '1.0.0',
    '1.0.1',
    '1.0.2',
    '1.0.10',
    '1.1.0',
    '1.2.0',
    '1.9.9',
    '1.10.0',
    '2.0.0',
    '9.99.999',
    '10.0.0',
    '100.0.0',
  ];
  const prereleases = [
    '',
    'alpha',
    'alpha.1',
    'alpha.2',
    'alpha.10',
    'alpha.beta',
    'alpha.0',
    'alpha.0a',
    'alpha-',
    'alphab',
    'beta',
    'beta.2',
    'beta.11',
    'rc.1',
    'rc.1.1',
    'rc-1',
    'RC.1',
    '0',
    '1',
    '2',
    '10',
    '1.2',
    '00a',
    '--',
    'a.b.c.d',
    'x.7.z.92',
    '9007199254740990',
  ];
  return cores.flatMap((core) => prereleases.map((pre) => (pre === '' ? core : `${core}-${pre}`)));
}

/** A small deterministic PRNG, so the shuffle is the same on every run. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('versionSortKey', () => {
  const versions = generatedVersions();

  it('is tested on a few hundred distinct valid versions', () => {
    // Act
    const valid = versions.filter((v) => parseVersion(v) === v);

    // Assess
    expect(valid.length).toBe(versions.length);
    expect(new Set(versions).size).toBeGreaterThanOrEqual(400);
  });

  it('sorts, by plain string comparison of keys, exactly in semver.compare order', () => {
    // Prepare
    const input = shuffled(versions, 42);

    // Act
    const byKey = [...input].sort((a, b) => {
      const ka = versionSortKey(a);
      const kb = versionSortKey(b);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    const bySemver = [...input].sort(semver.compare);

    // Assess
    expect(byKey).toEqual(bySemver);
  });

  it('agrees with semver.compare on every pair', () => {
    // Prepare
    const entries = versions.map((v) => ({ v, key: versionSortKey(v), parsed: new semver.SemVer(v) }));
    const disagreements: string[] = [];

    // Act
    for (const a of entries) {
      for (const b of entries) {
        const byKey = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
        if (byKey !== a.parsed.compare(b.parsed)) disagreements.push(`${a.v} vs ${b.v}`);
      }
    }

    // Assess
    expect(disagreements).toEqual([]);
  });

  it('orders the semver specification example chain', () => {
    // Prepare
    const chain = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.10.0',
      '2.0.0',
      '10.0.0',
    ];

    // Act
    const sorted = shuffled(chain, 7).sort((a, b) => (versionSortKey(a) < versionSortKey(b) ? -1 : 1));

    // Assess
    expect(sorted).toEqual(chain);
  });

  it('fails on something that is not a version', () => {
    // Act / Assess
    expect(() => versionSortKey('1.0')).toThrow(ValidationError);
  });
});
