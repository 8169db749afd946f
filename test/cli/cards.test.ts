/**
 * `models card set|show|history`, `models edit`, `usecases list` and the require_model_card
 * gate of `policy set`, run through the built CLI as a user would.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CliResult,
  cliAt,
  expectExit,
  makeTempDir,
  okJson,
  removeTempDir,
  requireBuiltCli,
} from './run-cli.js';

const MODEL = ['--use-case', 'crm', '--model', 'churn'];

describe('model cards, edits and use cases on the command line', () => {
  let dir: string;
  let mr: (...args: string[]) => Promise<CliResult>;

  beforeAll(async () => {
    requireBuiltCli();
    dir = await makeTempDir('cards');
    mr = cliAt(dir, join(dir, 'store'));
    await writeFile(join(dir, 'model.bin'), 'weights\n');
    await writeFile(join(dir, 'other.bin'), 'other weights\n');
    await writeFile(
      join(dir, 'card.md'),
      [
        '---',
        'license: mit',
        '---',
        '# churn',
        '',
        '## Intended use',
        'Retention <b>calls</b>.',
        '',
        '## Metrics',
        'auc 0.99',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'full.yaml'),
      'intended_use: Retention calls.\nlimitations: Not for new markets.\n',
    );
    await writeFile(join(dir, 'card.txt'), 'intended_use: x\n');
    expectExit(
      await mr(
        'models',
        'register',
        ...MODEL,
        '--artifact',
        'model.bin',
        '--metrics',
        'auc=0.91',
        '--description',
        'first cut',
        '--tag',
        'team=risk',
      ),
      0,
    );
    expectExit(
      await mr('models', 'register', '--use-case', 'ads', '--model', 'ctr', '--artifact', 'other.bin'),
      0,
    );
  });
  afterAll(() => removeTempDir(dir));

  it('sets a card, says which sections it ignored, and shows registry-filled sections', async () => {
    // Act
    const set = await mr('models', 'card', 'set', ...MODEL, '--version', '1.0.0', '--file', 'card.md');
    const md = await mr('models', 'card', 'show', ...MODEL, '--version', '1.0.0');
    const html = await mr('models', 'card', 'show', ...MODEL, '--version', '1.0.0', '--format', 'html');
    const history = okJson(await mr('models', 'card', 'history', ...MODEL, '--version', '1.0.0', '--json'));

    // Assess
    expectExit(set, 0);
    expect(set.stdout).toContain('Card version 1 of crm/churn 1.0.0 set.');
    expect(set.stdout).toContain('ignored   metrics: the registry fills these in from its records');
    expectExit(md, 0);
    expect(md.stdout).toContain('| auc | 0.91 |');
    // The card's own 'auc 0.99' is ignored: only the registry's value is shown.
    // (Not a bare '0.99': the card's timestamp may hold those digits.)
    expect(md.stdout).not.toContain('auc 0.99');
    expect(md.stdout).not.toContain('| 0.99 |');
    expect(md.stdout).toContain('Description: first cut');
    expectExit(html, 0);
    expect(html.stdout).toContain('Retention &lt;b&gt;calls&lt;/b&gt;.');
    expect(html.stdout).not.toContain('<b>calls</b>');
    expect(history.items.map((c: { cardVersion: number }) => c.cardVersion)).toEqual([1]);
  });

  it('refuses a card file of another kind and a card without a version', async () => {
    const wrong = await mr('models', 'card', 'set', ...MODEL, '--version', '1.0.0', '--file', 'card.txt');
    expectExit(wrong, 2);
    expect(wrong.stderr).toContain('a card is a Markdown file');
    const noVersion = await mr('models', 'card', 'show', ...MODEL);
    expectExit(noVersion, 2);
    expect(noVersion.stderr).toContain('--version V');
  });

  it('edits description and tags; list --tag and the audit trail see the edit', async () => {
    // Act
    const edited = okJson(
      await mr(
        'models',
        'edit',
        ...MODEL,
        '--version',
        '1.0.0',
        '--description',
        'second cut',
        '--tag',
        'team=growth',
        '--json',
      ),
    );
    const byNew = okJson(await mr('models', 'list', ...MODEL, '--tag', 'team=growth', '--json'));
    const byOld = okJson(await mr('models', 'list', ...MODEL, '--tag', 'team=risk', '--json'));
    const audit = okJson(await mr('audit', 'show', ...MODEL, '--json'));
    const untagMissing = await mr('models', 'edit', ...MODEL, '--version', '1.0.0', '--untag', 'nope');

    // Assess
    expect(edited).toMatchObject({ description: 'second cut', tags: { team: 'growth' } });
    expect(byNew.items).toHaveLength(1);
    expect(byOld.items).toHaveLength(0);
    const edit = audit.items.find((e: { action: string }) => e.action === 'edit');
    expect(edit.details).toEqual({
      description: { from: 'first cut', to: 'second cut' },
      tags: { from: { team: 'risk' }, to: { team: 'growth' } },
    });
    expectExit(untagMissing, 2);
    expect(untagMissing.stderr).toContain('has no tag nope');
  });

  it('lists use cases with their number of models', async () => {
    const r = okJson(await mr('usecases', 'list', '--json'));
    expect(r.items).toEqual([
      { useCase: 'ads', models: 1 },
      { useCase: 'crm', models: 1 },
    ]);
    const table = await mr('usecases', 'list');
    expect(table.stdout).toMatch(/^crm +1$/m);
  });

  it('holds a promotion by require_model_card, with did-you-mean for a misspelled section', async () => {
    // Act
    const typo = await mr(
      'models',
      'policy',
      'set',
      ...MODEL,
      '--staging-gate',
      'require_model_card=intended_use,limitation',
    );
    const set = await mr(
      'models',
      'policy',
      'set',
      ...MODEL,
      '--staging-gate',
      'require_model_card=intended_use,limitations',
    );
    const refused = await mr('models', 'promote', ...MODEL, '--version', '1.0.0', '--to', 'staging');
    await mr('models', 'card', 'set', ...MODEL, '--version', '1.0.0', '--file', 'full.yaml');
    const promoted = await mr('models', 'promote', ...MODEL, '--version', '1.0.0', '--to', 'staging');

    // Assess
    expectExit(typo, 2);
    expect(typo.stderr).toContain('Did you mean limitations?');
    expectExit(set, 0);
    expect(set.stdout).toContain('model card         staging needs intended_use, limitations');
    expect(refused.code).not.toBe(0);
    expect(`${refused.stdout}${refused.stderr}`).toContain('require_model_card');
    expect(`${refused.stdout}${refused.stderr}`).toContain('limitations');
    expectExit(promoted, 0);
  });
});
