/**
 * Types of the REST API responses and the pure logic that turns them into what the panel shows.
 *
 * No JupyterLab imports here, so everything is unit-testable with jest.
 */

/** A flagged column of a dataset, as the server derives it from `dataset_loaded` and grants. */
export interface IFlaggedColumn {
  name: string;
  category: string;
  entities: string[];
  score: number | null;
  coverage: number | null;
  special_category?: string | null;
  strategy?: string | null;
  detail?: string | null;
  unmasked?: boolean;
}

export interface IReidentification {
  quasi_identifiers: string[];
  unique_share: number;
  k: number | null;
  rows?: number;
  unique_rows?: number;
}

export interface IDatasetState {
  dataset: string;
  source: string;
  variable: string | null;
  rows: number | null;
  columns: number | null;
  key_id?: string | null;
  reidentification: IReidentification | null;
  flagged: IFlaggedColumn[];
  execution_count?: number | null;
}

export interface IPurposeState {
  purpose: string;
  description?: string;
  lawful_basis: string;
  reference: string | null;
  art9_condition: string | null;
  ts?: string;
  /** Who declared it (record format 2); absent in records written before identities were logged. */
  user?: string | null;
}

export interface ITimelineEvent {
  seq: number;
  ts: string;
  event: string;
  dataset?: string;
  source?: string;
  variable?: string | null;
  purpose?: string | null;
  lawful_basis?: string;
  columns?: string[];
  reason?: string | null;
  path?: string;
  datasets?: string[];
  raw_columns?: string[];
  model_class?: string;
  trained_under?: string | null;
  how?: string;
  outcome?: string;
  registered_name?: string | null;
  version?: number | null;
  format?: string;
  user?: string | null;
}

export interface ITimelineCell {
  cell_id: string | null;
  execution_count: number | null;
  kernel_id: string | null;
  events: ITimelineEvent[];
}

export interface INotebookState {
  path: string;
  chains: string[];
  purpose: IPurposeState | null;
  datasets: IDatasetState[];
  grants: { dataset: string; columns: string[]; purpose: string | null }[];
  denials: { dataset: string; columns: string[]; reason: string | null }[];
  timeline: ITimelineCell[];
  records: number;
  last_ts: string | null;
}

export interface IPurposePolicy {
  id: string;
  description: string;
  lawful_bases: string[];
  reference: { pattern?: string | null; registry?: string[] | null; description?: string | null } | null;
  special_categories: { allowed: string[]; art9_condition: string } | null;
}

export interface IPolicySummary {
  source: string;
  default: boolean;
  enforcement: string;
  purposes: IPurposePolicy[];
  server: { poll_interval: number };
}

/** The load summary the kernel displays under LOAD_MIME (`Dataset.summary()`). */
export interface ILoadSummary {
  id: string;
  source: string;
  rows: number;
  columns: number;
  variable: string | null;
  flagged: IFlaggedColumn[];
  masking: { key_id: string; columns: { column: string; strategy: string; detail: string }[] };
  reidentification: IReidentification | null;
}

export const LOAD_MIME = 'application/vnd.jupyter-privacy.load+json';

export const NO_PURPOSE_TEXT = 'No purpose declared: every personal-data column stays masked.';

/** Human names of the finding categories. */
export const CATEGORY_LABELS: Record<string, string> = {
  direct: 'direct identifier',
  special: 'special category (Art. 9)',
  quasi: 'quasi-identifier'
};

/** "churn-model (legitimate_interest, ref LIA-2026-014)" or the no-purpose text. */
export function purposeText(purpose: IPurposeState | null): string {
  if (!purpose) {
    return NO_PURPOSE_TEXT;
  }
  const details = [purpose.lawful_basis];
  if (purpose.reference) {
    details.push(`ref ${purpose.reference}`);
  }
  if (purpose.art9_condition) {
    details.push(`Art. 9: ${purpose.art9_condition}`);
  }
  if (purpose.user) {
    details.push(`declared by ${purpose.user}`);
  }
  return `${purpose.purpose} (${details.join(', ')})`;
}

/** "92%" or "" when the decision rests on the column name alone. */
export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined) {
    return '';
  }
  return `${Math.round(value * 100)}%`;
}

/** One line on re-identification risk, or null when no quasi-identifier was found. */
export function reidentificationText(reid: IReidentification | null): string | null {
  if (!reid || reid.quasi_identifiers.length === 0) {
    return null;
  }
  const share = `${(reid.unique_share * 100).toFixed(1)}%`;
  const k = reid.k === null ? '' : ` (k = ${reid.k})`;
  return `${share} of rows unique on ${reid.quasi_identifiers.join(', ')}${k}`;
}

/** A chip per flagged column: label, category class, masked state and a tooltip. */
export interface IColumnChip {
  column: string;
  category: string;
  label: string;
  masked: boolean;
  title: string;
}

export function columnChips(columns: IFlaggedColumn[]): IColumnChip[] {
  return columns.map(c => {
    const masked = !c.unmasked;
    const cov = percent(c.coverage);
    const parts = [
      CATEGORY_LABELS[c.category] ?? c.category,
      c.entities.join(', '),
      cov ? `coverage ${cov}` : 'by column name',
      masked ? `masked (${c.strategy ?? 'policy'})` : 'UNMASKED under the declared purpose'
    ];
    return {
      column: c.name,
      category: c.category,
      label: `${c.name}: ${c.entities.join(', ') || c.category}`,
      masked,
      title: parts.filter(p => p).join(' · ')
    };
  });
}

/** Turn a load summary (inline output) into chips, joining the masking strategy per column. */
export function summaryChips(summary: ILoadSummary): IColumnChip[] {
  const strategies = new Map(summary.masking.columns.map(m => [m.column, m.strategy]));
  return columnChips(
    summary.flagged.map(c => ({ ...c, strategy: strategies.get(c.name) ?? null, unmasked: false }))
  );
}

/** A line of the timeline: what one event did, in words. */
export function eventText(e: ITimelineEvent, names: Map<string, string>): string {
  const text = eventWords(e, names);
  const acts = e.event === 'purpose_declared' || e.event.startsWith('unmask_');
  return acts && e.user ? `${text} by ${e.user}` : text;
}

function eventWords(e: ITimelineEvent, names: Map<string, string>): string {
  const ds = (id: string | undefined): string => (id ? (names.get(id) ?? id) : '?');
  switch (e.event) {
    case 'session_start':
      return 'kernel session started';
    case 'purpose_declared':
      return `purpose ${e.purpose} declared (${e.lawful_basis})`;
    case 'dataset_loaded':
      return `loaded ${ds(e.dataset)}`;
    case 'unmask_granted':
      return `unmasked ${(e.columns ?? []).join(', ')} of ${ds(e.dataset)}`;
    case 'unmask_denied':
      return `unmask refused: ${(e.columns ?? []).join(', ')} of ${ds(e.dataset)}`;
    case 'output_written':
      return `wrote ${basename(e.path ?? '')} from ${(e.datasets ?? []).map(d => ds(d)).join(', ')}${rawNote(e)}`;
    case 'model_trained':
      return (
        `trained ${lastPart(e.model_class ?? 'model')} on ${(e.datasets ?? []).map(d => ds(d)).join(', ')}` +
        (e.purpose ? ` for ${e.purpose}` : '')
      );
    case 'model_used':
      return (
        `${e.outcome === 'refused' ? 'REFUSED: ' : ''}${lastPart(e.model_class ?? 'model')} trained for ` +
        `${e.trained_under ?? 'no purpose'} used under ${e.purpose ?? 'no purpose'} (${e.how ?? '?'})`
      );
    case 'model_logged':
      return `logged ${lastPart(e.model_class ?? 'model')} to MLflow`;
    case 'model_registered':
      return `registered MLflow model ${e.registered_name ?? '?'} version ${e.version ?? '?'}`;
    case 'record_exported':
      return `processing record exported (${e.format ?? ''})`;
    default:
      return e.event;
  }
}

/** What an output held unmasked: ` with UNMASKED columns a, b`, or nothing. */
function rawNote(e: ITimelineEvent): string {
  const raw = e.raw_columns ?? [];
  return raw.length ? ` with UNMASKED column${raw.length > 1 ? 's' : ''} ${raw.join(', ')}` : '';
}

/** The short display name of each dataset id: its variable, else the source file name. */
export function datasetNames(state: INotebookState): Map<string, string> {
  const names = new Map<string, string>();
  for (const cell of state.timeline) {
    for (const e of cell.events) {
      if (e.event === 'dataset_loaded' && e.dataset) {
        names.set(e.dataset, e.variable || basename(e.source ?? e.dataset));
      }
    }
  }
  return names;
}

export interface ITimelineRow {
  cell: string;
  kind: string;
  text: string;
}

/** The log as rows "cell -> what happened", newest cell first, limited to `max` cells. */
export function timelineRows(state: INotebookState, max = 30): ITimelineRow[] {
  const names = datasetNames(state);
  const rows: ITimelineRow[] = [];
  const cells = state.timeline.slice(-max).reverse();
  for (const cell of cells) {
    const label = cell.execution_count === null ? '–' : `[${cell.execution_count}]`;
    for (const e of cell.events) {
      rows.push({ cell: label, kind: e.event, text: eventText(e, names) });
    }
  }
  return rows;
}

/** Quote an argument for an IPython line magic (argparse over shell-like splitting). */
export function quoteArg(value: string): string {
  if (/^[A-Za-z0-9_.:/@+=-]+$/.test(value)) {
    return value;
  }
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface IPurposeChoice {
  purpose: string;
  basis: string;
  reference: string;
  art9: string;
}

/** The `%privacy_purpose` line for a dialog choice. */
export function purposeMagic(choice: IPurposeChoice): string {
  const parts = ['%privacy_purpose', quoteArg(choice.purpose), '--basis', quoteArg(choice.basis)];
  if (choice.reference.trim()) {
    parts.push('--ref', quoteArg(choice.reference.trim()));
  }
  if (choice.art9.trim()) {
    parts.push('--art9', quoteArg(choice.art9.trim()));
  }
  return parts.join(' ');
}

/** What the reference field should hint at for a purpose. */
export function referenceHint(purpose: IPurposePolicy | undefined): string {
  const ref = purpose?.reference;
  if (!ref) {
    return 'not required for this purpose';
  }
  const parts: string[] = [];
  if (ref.description) {
    parts.push(ref.description);
  }
  if (ref.registry && ref.registry.length) {
    parts.push(`one of: ${ref.registry.join(', ')}`);
  } else if (ref.pattern) {
    parts.push(`format ${ref.pattern}`);
  }
  return parts.join(' — ');
}

/** The refusal message of a failed magic: IPython's UsageError text without its prefix. */
export function refusalText(ename: string, evalue: string): string {
  if (ename === 'UsageError') {
    return evalue;
  }
  return `${ename}: ${evalue}`;
}

function basename(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

function lastPart(name: string): string {
  const parts = name.split('.');
  return parts[parts.length - 1] || name;
}
