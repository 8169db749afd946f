import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { describeFailures } from '../../src/core/gates.js';
import {
  type CardFacts,
  cardFormatOf,
  cardMarkdown,
  filledSections,
  modelCardGate,
  parseMarkdownCard,
  parseYamlCard,
  renderCard,
  type StoredCard,
} from '../../src/core/model-card.js';
import { validatePolicy } from '../../src/core/policy.js';

const HF_CARD = `---
license: mit
language: en
tags:
  - tabular
  - churn
datasets: [crm-2026q3]
metrics: [auc]
model-index:
  - name: churn
    results:
      - metrics: [{ type: auc, value: 0.99 }]
fairness:
  cohorts:
    - cohort: region=eu
      metrics: { auc: 0.9 }
    - cohort: region=us
      metrics: { auc: 0.86 }
---
# Churn model

Gradient boosting on account activity.

## Uses
Rank accounts for retention calls.

## Out-of-Scope Use
Credit decisions.

## Bias, Risks, and Limitations
Weaker on accounts younger than 30 days.

## Evaluation Results
auc 0.99 (claimed)

## How to Get Started
\`\`\`
## not a heading inside a code block
\`\`\`

## Model Card Contact
ml@example.com
`;

function facts(over: Partial<CardFacts> = {}): CardFacts {
  return {
    useCase: 'crm',
    modelName: 'churn',
    version: '1.0.0',
    stage: 'development',
    description: null,
    registeredAt: '2026-01-01T00:00:00.000Z',
    registeredBy: 'ana',
    sha256: 'a'.repeat(64),
    metrics: { auc: 0.91 },
    lineage: { runId: 'run-1', datasetVersion: 'ds@1', codeVersion: null },
    evidence: [],
    approvals: [],
    stageHistory: [
      {
        at: '2026-01-01T00:00:00.000Z',
        actor: 'ana',
        action: 'register',
        fromStage: null,
        toStage: 'development',
      },
    ],
    ...over,
  };
}

function stored(content: StoredCard['content'], cardVersion = 1): StoredCard {
  return {
    useCase: 'crm',
    modelName: 'churn',
    version: '1.0.0',
    cardVersion,
    content,
    ignored: [],
    setAt: '2026-01-02T00:00:00.000Z',
    setBy: 'ana',
  };
}

describe('parseMarkdownCard', () => {
  it('maps Hugging Face headings and front matter to the card, leaving out what the registry fills in', () => {
    // Act
    const { content, ignored } = parseMarkdownCard(HF_CARD);

    // Assess
    expect(content.sections.intended_use).toBe('Rank accounts for retention calls.');
    expect(content.sections.out_of_scope_uses).toBe('Credit decisions.');
    expect(content.sections.limitations).toBe('Weaker on accounts younger than 30 days.');
    expect(content.sections.contact).toBe('ml@example.com');
    expect(content.sections.model_details).toBe('Gradient boosting on account activity.');
    expect(content.metadata).toEqual({
      license: 'mit',
      language: ['en'],
      tags: ['tabular', 'churn'],
      datasets: ['crm-2026q3'],
      metrics: ['auc'],
    });
    expect(content.cohorts).toEqual([
      { cohort: 'region=eu', metrics: { auc: 0.9 } },
      { cohort: 'region=us', metrics: { auc: 0.86 } },
    ]);
    expect(ignored).toEqual(['model-index', 'evaluation_results']);
    expect(content.extra).toEqual([
      { title: 'How to Get Started', body: '```\n## not a heading inside a code block\n```' },
    ]);
    expect(filledSections(content)).toEqual([
      'model_details',
      'intended_use',
      'out_of_scope_uses',
      'limitations',
      'fairness',
      'contact',
    ]);
  });

  it('refuses bad front matter and a card with no section, saying what is wrong', () => {
    expect(() => parseMarkdownCard('---\nlicense: [1, 2]\n---\n## Intended use\nx\n')).toThrow(/license/);
    expect(() => parseMarkdownCard('---\nlicense: [\n---\n')).toThrow(/not valid YAML/);
    expect(() => parseMarkdownCard('# Title only\n')).toThrow(ValidationError);
    expect(() => parseMarkdownCard('## Metrics\nauc 0.99\n')).toThrow(/none of the sections/);
  });
});

describe('parseYamlCard', () => {
  it('reads sections, fairness cohorts and metadata; ignores metrics; refuses unknown keys', () => {
    // Act
    const { content, ignored } = parseYamlCard(
      [
        'intended_use: Batch scoring.',
        'limitations: Not for new markets.',
        'fairness:',
        '  notes: Measured per region.',
        '  cohorts: [{cohort: eu, metrics: {f1: 0.8}}]',
        'metadata: {license: apache-2.0}',
        'metrics: {auc: 0.99}',
        'stage_history: []',
      ].join('\n'),
    );

    // Assess
    expect(content.sections).toEqual({
      intended_use: 'Batch scoring.',
      limitations: 'Not for new markets.',
      fairness: 'Measured per region.',
    });
    expect(content.cohorts).toEqual([{ cohort: 'eu', metrics: { f1: 0.8 } }]);
    expect(content.metadata).toEqual({ license: 'apache-2.0' });
    expect(ignored).toEqual(['metrics', 'stage_history']);
    expect(() => parseYamlCard('intended_uses: x\n')).toThrow(/intended_uses/);
    expect(() => parseYamlCard('- a\n- b\n')).toThrow(/mapping of sections/);
    expect(() => parseYamlCard('fairness: {cohorts: [{metrics: {auc: 1}}]}\n')).toThrow(/cohort/);
  });

  it('knows a card file by its extension', () => {
    expect(cardFormatOf('card.md')).toBe('markdown');
    expect(cardFormatOf('CARD.YML')).toBe('yaml');
    expect(() => cardFormatOf('card.json')).toThrow(/Markdown file .* or a YAML file/);
  });
});

describe('renderCard / cardMarkdown', () => {
  it('shows the registry facts beside the user sections and marks them as from the registry', () => {
    // Prepare
    const card = stored(parseMarkdownCard(HF_CARD).content);

    // Act
    const md = cardMarkdown(renderCard(card, facts()));
    const later = cardMarkdown(
      renderCard(card, facts({ stage: 'staging', metrics: { auc: 0.93 }, stageHistory: [] })),
    );

    // Assess
    expect(md).toContain('| auc | 0.91 |');
    expect(md).toContain('| Training run | run-1 |');
    expect(md).toContain('Rank accounts for retention calls.');
    expect(md).toContain('## Metrics *(from the registry)*');
    expect(md).toContain('| region=eu | auc=0.9 |');
    expect(md).not.toContain('0.99');
    expect(later).toContain('| auc | 0.93 |');
    expect(later).toContain('Stage: staging');
  });

  it('renders a version with no card from the registry alone and lists every section as missing', () => {
    const r = renderCard(null, facts());
    expect(r.missing).toContain('intended_use');
    expect(cardMarkdown(r)).toContain('No card has been set');
  });
});

describe('modelCardGate', () => {
  it('reports the missing sections as actual and the required ones as threshold', () => {
    // Prepare
    const card = stored({ sections: { intended_use: 'x' }, cohorts: [], metadata: {}, extra: [] }, 3);

    // Act
    const failing = modelCardGate(['intended_use', 'limitations'], card);
    const none = modelCardGate(['intended_use'], null);
    const passing = modelCardGate(['intended_use'], card);

    // Assess
    expect(failing).toMatchObject({
      gate: 'require_model_card',
      actual: ['limitations'],
      threshold: ['intended_use', 'limitations'],
      passed: false,
    });
    expect(describeFailures([failing])).toBe(
      'require_model_card: missing limitations (card version 3 leaves limitations empty)',
    );
    expect(none).toMatchObject({ passed: false, actual: ['intended_use'] });
    expect(none.note).toContain('no model card');
    expect(passing.passed).toBe(true);
  });

  it('is validated in the policy: unknown sections are refused with the list of sections', () => {
    expect(validatePolicy({ requireModelCard: { production: ['limitations'] } }).requireModelCard).toEqual({
      staging: [],
      production: ['limitations'],
    });
    expect(() => validatePolicy({ requireModelCard: { production: ['limitation'] } })).toThrow(
      /"limitation" is not a card section; sections are model_details, intended_use/,
    );
  });
});

describe('card size', () => {
  it('refuses a card heavier than one DynamoDB item should hold, saying the limit', () => {
    const big = Array.from({ length: 8 }, (_, i) => `## Extra ${i}\n${'x'.repeat(10_000)}`).join('\n');
    expect(() => parseMarkdownCard(`## Intended use\nok\n${big}`)).toThrow(/the limit is 65536 bytes/);
  });
});
