/**
 * Versions of a model filtered by tag and metric (the API's `tag` and `metric` query
 * parameters), paged with the store's own cursors: each read asks only for as many
 * versions as the page still lacks, so the cursor answered is exact and no version is
 * skipped or repeated across pages.
 */

import type { ModelVersion } from '../core/model.js';
import type { Page } from '../core/ports.js';
import { matchesFilter, parseVersionFilter } from '../core/version-filter.js';
import type { ListInput } from './inputs.js';
import type { Registry } from './registry.js';

/** Store pages read at most for one filtered page; a sparse match answers a shorter page and its cursor. */
const MAX_READS = 50;

/** `listVersions` with tag (`key=value`) and metric (`auc>=0.9`) filters. */
export async function listVersionsFiltered(
  registry: Registry,
  input: ListInput & { modelName: string; tags?: readonly string[]; metrics?: readonly string[] },
): Promise<Page<ModelVersion>> {
  const { tags = [], metrics = [], ...list } = input;
  const filter = parseVersionFilter(tags, metrics);
  if (tags.length === 0 && metrics.length === 0) return registry.listVersions(list);
  const limit = list.limit ?? 50;
  const items: ModelVersion[] = [];
  let cursor = list.cursor ?? null;
  for (let reads = 0; reads < MAX_READS && items.length < limit; reads++) {
    const page = await registry.listVersions({ ...list, limit: limit - items.length, cursor });
    items.push(...page.items.filter((v) => matchesFilter(v, filter)));
    cursor = page.nextCursor;
    if (cursor === null) break;
  }
  return { items, nextCursor: cursor };
}
