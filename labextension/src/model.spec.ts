import {
  columnChips,
  eventText,
  INotebookState,
  NO_PURPOSE_TEXT,
  purposeMagic,
  purposeText,
  quoteArg,
  referenceHint,
  refusalText,
  reidentificationText,
  summaryChips,
  timelineRows
} from './model';

const state: INotebookState = {
  path: 'churn.ipynb',
  chains: ['/srv/churn.ipynb'],
  purpose: {
    purpose: 'churn-model',
    lawful_basis: 'legitimate_interest',
    reference: 'LIA-2026-014',
    art9_condition: null
  },
  datasets: [],
  grants: [],
  denials: [],
  records: 5,
  last_ts: null,
  timeline: [
    {
      cell_id: 'c1',
      execution_count: 2,
      kernel_id: 'k',
      events: [
        { seq: 2, ts: 't', event: 'dataset_loaded', dataset: 'ds-1', source: '/d/customers.csv', variable: null }
      ]
    },
    {
      cell_id: 'c2',
      execution_count: 3,
      kernel_id: 'k',
      events: [
        { seq: 3, ts: 't', event: 'output_written', path: '/out/scores.csv', datasets: ['ds-1'] },
        {
          seq: 4,
          ts: 't',
          event: 'model_trained',
          model_class: 'sklearn.linear_model.LogisticRegression',
          datasets: ['ds-1']
        },
        { seq: 5, ts: 't', event: 'unmask_denied', dataset: 'ds-1', columns: ['diagnosis'] }
      ]
    }
  ]
};

describe('purposeText', () => {
  it('says clearly when no purpose is declared', () => {
    expect(purposeText(null)).toBe(NO_PURPOSE_TEXT);
  });

  it('shows purpose, basis and reference', () => {
    expect(purposeText(state.purpose)).toBe('churn-model (legitimate_interest, ref LIA-2026-014)');
  });

  it('says who declared it when the record names the user', () => {
    expect(purposeText({ ...state.purpose!, user: 'ana' })).toBe(
      'churn-model (legitimate_interest, ref LIA-2026-014, declared by ana)'
    );
  });
});

describe('eventText identity', () => {
  it('names who declared a purpose and who was granted or refused raw access', () => {
    const withUsers: INotebookState = {
      ...state,
      timeline: [
        {
          cell_id: 'c9',
          execution_count: 9,
          kernel_id: 'k',
          events: [
            { seq: 6, ts: 't', event: 'purpose_declared', purpose: 'churn', lawful_basis: 'contract', user: 'ana' },
            { seq: 7, ts: 't', event: 'unmask_granted', dataset: 'ds-1', columns: ['email'], user: 'ana' },
            { seq: 8, ts: 't', event: 'dataset_loaded', dataset: 'ds-1', source: '/d/c.csv', user: 'ana' }
          ]
        }
      ]
    };
    expect(timelineRows(withUsers).map(r => r.text)).toEqual([
      'purpose churn declared (contract) by ana',
      'unmasked email of c.csv by ana',
      'loaded c.csv'
    ]);
  });
});

describe('timelineRows', () => {
  it('lists the newest cell first and names datasets by file when no variable was assigned', () => {
    const rows = timelineRows(state);
    expect(rows.map(r => r.cell)).toEqual(['[3]', '[3]', '[3]', '[2]']);
    expect(rows[0].text).toBe('wrote scores.csv from customers.csv');
    expect(rows[1].text).toBe('trained LogisticRegression on customers.csv');
    expect(rows[2].text).toBe('unmask refused: diagnosis of customers.csv');
    expect(rows[3].text).toBe('loaded customers.csv');
  });

  it('says which columns of a written file were unmasked', () => {
    const written = {
      ...state,
      timeline: [
        {
          cell_id: 'c',
          execution_count: 4,
          kernel_id: 'k',
          events: [
            {
              seq: 6,
              ts: 't',
              event: 'output_written',
              path: '/out/contacts.csv',
              datasets: ['ds-1'],
              raw_columns: ['email', 'phone']
            }
          ]
        }
      ]
    };
    expect(timelineRows(written)[0].text).toBe('wrote contacts.csv from ds-1 with UNMASKED columns email, phone');
  });

  it('keeps only the last cells', () => {
    expect(timelineRows(state, 1).map(r => r.cell)).toEqual(['[3]', '[3]', '[3]']);
  });
});

describe('column chips', () => {
  it('mark unmasked columns and explain the finding', () => {
    const chips = columnChips([
      { name: 'email', category: 'direct', entities: ['EMAIL_ADDRESS'], score: 0.9, coverage: 0.97, unmasked: true },
      { name: 'diagnosis', category: 'special', entities: ['HEALTH'], score: 0.9, coverage: null, strategy: 'redact' }
    ]);
    expect(chips[0].masked).toBe(false);
    expect(chips[0].title).toContain('coverage 97%');
    expect(chips[0].title).toContain('UNMASKED');
    expect(chips[1].masked).toBe(true);
    expect(chips[1].title).toContain('masked (redact)');
    expect(chips[1].title).toContain('by column name');
  });

  it('are built from an inline load summary with its masking strategies', () => {
    const chips = summaryChips({
      id: 'ds-1',
      source: 'c.csv',
      rows: 10,
      columns: 2,
      variable: 'customers',
      flagged: [{ name: 'email', category: 'direct', entities: ['EMAIL_ADDRESS'], score: 1, coverage: 1 }],
      masking: { key_id: 'k', columns: [{ column: 'email', strategy: 'pseudonymise', detail: '' }] },
      reidentification: null
    });
    expect(chips).toHaveLength(1);
    expect(chips[0].label).toBe('email: EMAIL_ADDRESS');
    expect(chips[0].title).toContain('masked (pseudonymise)');
  });
});

describe('reidentificationText', () => {
  it('reports the unique share and k', () => {
    expect(
      reidentificationText({ quasi_identifiers: ['date_of_birth', 'postcode'], unique_share: 0.4321, k: 1 })
    ).toBe('43.2% of rows unique on date_of_birth, postcode (k = 1)');
    expect(reidentificationText(null)).toBeNull();
  });
});

describe('purpose magic', () => {
  it('builds the %privacy_purpose line, quoting what needs it', () => {
    expect(
      purposeMagic({ purpose: 'clinical-research', basis: 'consent', reference: 'METC-2026-12', art9: 'explicit_consent' })
    ).toBe('%privacy_purpose clinical-research --basis consent --ref METC-2026-12 --art9 explicit_consent');
    expect(purposeMagic({ purpose: 'p', basis: 'consent', reference: ' ', art9: '' })).toBe(
      '%privacy_purpose p --basis consent'
    );
    expect(quoteArg('my "ref" 1')).toBe('"my \\"ref\\" 1"');
  });

  it('explains the expected reference', () => {
    expect(referenceHint(undefined)).toBe('not required for this purpose');
    expect(
      referenceHint({
        id: 'm',
        description: '',
        lawful_bases: ['consent'],
        reference: { pattern: '^C-\\d$', registry: ['C-1', 'C-2'], description: 'Consent campaign' },
        special_categories: null
      })
    ).toBe('Consent campaign — one of: C-1, C-2');
  });

  it('shows a kernel refusal without the UsageError prefix', () => {
    expect(refusalText('UsageError', 'reference bad')).toBe('reference bad');
    expect(refusalText('NameError', 'x')).toBe('NameError: x');
  });
});

describe('model events', () => {
  it('names the purpose a model was trained for and where it was used', () => {
    const names = new Map([['ds-1', 'customers']]);
    const base = { seq: 1, ts: 't' };
    expect(
      eventText(
        { ...base, event: 'model_trained', model_class: 'a.Pipe', datasets: ['ds-1'], purpose: 'churn' },
        names
      )
    ).toBe('trained Pipe on customers for churn');
    expect(
      eventText(
        {
          ...base,
          event: 'model_used',
          model_class: 'a.Pipe',
          trained_under: 'churn',
          purpose: 'marketing',
          how: 'joblib.load',
          outcome: 'refused'
        },
        names
      )
    ).toBe('REFUSED: Pipe trained for churn used under marketing (joblib.load)');
    expect(
      eventText({ ...base, event: 'model_registered', registered_name: 'churn-model', version: 1 }, names)
    ).toBe('registered MLflow model churn-model version 1');
  });
});
