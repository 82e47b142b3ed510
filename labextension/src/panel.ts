import { showErrorMessage } from '@jupyterlab/apputils';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import { download, exportRecord, fetchPolicy, fetchState, PrivacyApiError } from './api';
import { chipList } from './chips';
import { declarePurpose } from './dialog';
import { h } from './dom';
import { shieldIcon } from './icon';
import {
  columnChips,
  INotebookState,
  IPolicySummary,
  minimisationLines,
  purposeText,
  reidentificationText,
  timelineRows,
  ungovernedText
} from './model';
import { NO_DATA_TEXT, notebookLabel } from './status';

/** DOM id of the sidebar panel; UI tests and the layout restorer rely on it. */
export const PANEL_ID = 'jp-privacy-sidebar';

/**
 * Left-sidebar panel that follows the active notebook: purpose, datasets with flagged columns,
 * re-identification, the processing log as a timeline, and export buttons.
 *
 * It refreshes from the REST API when the notebook changes, when a cell finishes, when the kernel
 * becomes idle, when the server pushes an append to its log (see push.ts), and every `pollInterval`
 * seconds while a notebook is shown.
 */
export class PrivacyPanel extends Widget {
  constructor() {
    super();
    this.id = PANEL_ID;
    this.addClass('jp-PrivacyPanel');
    this.title.icon = shieldIcon;
    this.title.caption = 'Privacy';

    this._notebookNode = h('div', { class: 'jp-PrivacyPanel-notebook' }) as HTMLDivElement;
    this._statusNode = h('p', { class: 'jp-PrivacyPanel-status' }) as HTMLParagraphElement;
    this._body = h('div', { class: 'jp-PrivacyPanel-body' }) as HTMLDivElement;
    this.node.append(
      h('h2', { class: 'jp-PrivacyPanel-header' }, 'Privacy'),
      this._notebookNode,
      this._statusNode,
      this._body
    );
    NotebookActions.executed.connect((_, args) => {
      if (this._notebook && args.notebook === this._notebook.content) {
        this.refresh();
      }
    });
    this.setNotebook(null);
  }

  /** The API path of the notebook shown, or null. */
  get notebookPath(): string | null {
    return this._notebook?.context.path ?? null;
  }

  /** Seconds between timed refreshes (0: only on events); null: the server's default. */
  set pollInterval(seconds: number | null) {
    this._pollSetting = seconds;
    this._schedule();
  }

  /** Show the given notebook (or none). */
  setNotebook(notebook: NotebookPanel | null): void {
    if (this._notebook) {
      this._notebook.context.pathChanged.disconnect(this._onPath, this);
      this._notebook.sessionContext.statusChanged.disconnect(this._onStatus, this);
    }
    this._notebook = notebook;
    this._state = null;
    if (notebook) {
      notebook.context.pathChanged.connect(this._onPath, this);
      notebook.sessionContext.statusChanged.connect(this._onStatus, this);
    }
    this._renderHeader();
    this._body.replaceChildren();
    this._statusNode.textContent = notebook ? NO_DATA_TEXT : '';
    if (notebook) {
      void notebook.context.ready.then(() => this.refresh());
    }
    this._schedule();
  }

  /** Fetch the policy (once) and the notebook's state, then redraw. */
  async refresh(): Promise<void> {
    const notebook = this._notebook;
    if (!notebook || !notebook.context.isReady) {
      return;
    }
    const path = notebook.context.path;
    try {
      if (!this._policy) {
        this._policy = await fetchPolicy();
        this._schedule();
      }
      const state = await fetchState(path);
      if (this._notebook !== notebook || notebook.context.path !== path) {
        return; // the user moved on while we were waiting
      }
      this._state = state;
      this._error = null;
    } catch (err) {
      this._error =
        err instanceof PrivacyApiError
          ? `${err.status === 403 ? 'Not allowed to read processing records' : 'Privacy API error'}: ${err.message}`
          : `Privacy API unreachable: ${String(err)}`;
    }
    this._render();
  }

  private _onPath(): void {
    this._renderHeader();
    void this.refresh();
  }

  private _onStatus(_: unknown, status: string): void {
    if (status === 'idle') {
      void this.refresh();
    }
  }

  private _schedule(): void {
    if (this._timer !== null) {
      clearInterval(this._timer);
      this._timer = null;
    }
    const seconds = this._pollSetting ?? this._policy?.server.poll_interval ?? 0;
    if (this._notebook && seconds > 0) {
      this._timer = setInterval(() => void this.refresh(), seconds * 1000);
    }
  }

  private _renderHeader(): void {
    const path = this._notebook?.context.path ?? null;
    this._notebookNode.textContent = notebookLabel(path);
    this._notebookNode.title = path ?? '';
  }

  private _render(): void {
    const state = this._state;
    const policy = this._policy;
    if (this._error) {
      this._statusNode.textContent = this._error;
      this._statusNode.classList.add('jp-mod-error');
    } else {
      this._statusNode.classList.remove('jp-mod-error');
      this._statusNode.textContent = state && state.records === 0 ? NO_DATA_TEXT : '';
    }
    if (!state || !policy) {
      return;
    }
    const sections = [
      this._policySection(policy),
      this._purposeSection(state, policy),
      this._datasetsSection(state),
      this._minimisationSection(state),
      this._ungovernedSection(state),
      this._timelineSection(state),
      this._exportSection()
    ];
    this._body.replaceChildren(...sections.filter((s): s is HTMLElement => s !== null));
  }

  private _policySection(policy: IPolicySummary): HTMLElement {
    return h(
      'div',
      { class: `jp-PrivacyPanel-policy${policy.default ? ' jp-mod-warn' : ''}` },
      policy.default
        ? 'Built-in default policy: everything detected is masked, nothing can be unmasked.'
        : `Policy: ${policy.source.split('/').pop()} · ${policy.enforcement}`
    );
  }

  private _purposeSection(state: INotebookState, policy: IPolicySummary): HTMLElement {
    const button = h('button', { class: 'jp-Button jp-mod-styled jp-mod-accept jp-PrivacyPanel-declare' }, 'Declare purpose…');
    button.addEventListener('click', () => {
      const kernel = this._notebook?.sessionContext.session?.kernel;
      void declarePurpose(policy, kernel).then(async ok => {
        if (ok) {
          await this.refresh();
        }
      });
    });
    return h(
      'section',
      { class: 'jp-PrivacyPanel-section' },
      h('h3', {}, 'Purpose'),
      h(
        'div',
        { class: `jp-PrivacyPanel-purpose${state.purpose ? '' : ' jp-mod-none'}`, title: state.purpose?.description ?? '' },
        purposeText(state.purpose)
      ),
      button
    );
  }

  private _minimisationSection(state: INotebookState): HTMLElement {
    const lines = minimisationLines(state);
    return h(
      'section',
      { class: 'jp-PrivacyPanel-section jp-PrivacyPanel-minimisation' },
      h('h3', {}, 'Loaded, never used'),
      lines.length
        ? h('ul', { class: 'jp-PrivacyPanel-list' }, ...lines.map(line => h('li', {}, line)))
        : h('div', { class: 'jp-PrivacyPanel-empty' }, 'Every personal-data column loaded reached a model or output.'),
      lines.length
        ? h('div', { class: 'jp-PrivacyPanel-meta' }, 'Personal data no model or output used: leave it out with %privacy_load … --columns')
        : null
    );
  }

  private _datasetsSection(state: INotebookState): HTMLElement {
    const items = state.datasets.map(ds => {
      const reid = reidentificationText(ds.reidentification);
      return h(
        'li',
        { class: 'jp-PrivacyPanel-dataset', 'data-dataset': ds.dataset },
        h('div', { class: 'jp-PrivacyPanel-datasetName', title: ds.source }, ds.variable ?? ds.source.split('/').pop() ?? ds.dataset),
        h('div', { class: 'jp-PrivacyPanel-meta' }, `${ds.rows ?? '?'} rows × ${ds.columns ?? '?'} columns · ${ds.flagged.length} flagged`),
        chipList(columnChips(ds.flagged)),
        reid ? h('div', { class: 'jp-PrivacyPanel-reid' }, `Re-identification: ${reid}`) : null
      );
    });
    return h(
      'section',
      { class: 'jp-PrivacyPanel-section' },
      h('h3', {}, 'Datasets'),
      items.length ? h('ul', { class: 'jp-PrivacyPanel-datasets' }, ...items) : h('div', { class: 'jp-PrivacyPanel-empty' }, 'No dataset loaded in this kernel session.')
    );
  }

  /** Reads of governed files that went around jupyter-privacy: shown only when there are some. */
  private _ungovernedSection(state: INotebookState): HTMLElement | null {
    const reads = state.ungoverned_reads ?? [];
    if (!reads.length) {
      return null;
    }
    return h(
      'section',
      { class: 'jp-PrivacyPanel-section jp-PrivacyPanel-ungoverned jp-mod-warn' },
      h('h3', {}, 'Ungoverned reads'),
      h('div', { class: 'jp-PrivacyPanel-meta' }, 'Governed files read again without masking (logged):'),
      h('ul', {}, ...reads.map(r => h('li', { title: r.path }, ungovernedText(r))))
    );
  }

  private _timelineSection(state: INotebookState): HTMLElement {
    const rows = timelineRows(state).map(r =>
      h('li', { class: `jp-PrivacyPanel-event jp-PrivacyPanel-event-${r.kind}` }, h('span', { class: 'jp-PrivacyPanel-cell' }, r.cell), r.text)
    );
    return h(
      'section',
      { class: 'jp-PrivacyPanel-section' },
      h('h3', {}, `Processing log (${state.records})`),
      rows.length ? h('ol', { class: 'jp-PrivacyPanel-timeline' }, ...rows) : h('div', { class: 'jp-PrivacyPanel-empty' }, 'Nothing logged yet.')
    );
  }

  private _exportSection(): HTMLElement {
    const buttons = (['json', 'html'] as const).map(format => {
      const button = h('button', { class: 'jp-Button jp-mod-styled jp-mod-reject', 'data-format': format }, `Export ${format.toUpperCase()}`);
      button.addEventListener('click', () => void this._export(format));
      return button;
    });
    return h('section', { class: 'jp-PrivacyPanel-section jp-PrivacyPanel-export' }, h('h3', {}, 'Processing record'), ...buttons);
  }

  private async _export(format: 'json' | 'html'): Promise<void> {
    const path = this._notebook?.context.path;
    if (!path) {
      return;
    }
    try {
      const { blob, filename } = await exportRecord(path, format);
      download(blob, filename);
      await this.refresh(); // the export itself is logged
    } catch (err) {
      await showErrorMessage('Export failed', err instanceof Error ? err.message : String(err));
    }
  }

  private _notebook: NotebookPanel | null = null;
  private _policy: IPolicySummary | null = null;
  private _state: INotebookState | null = null;
  private _error: string | null = null;
  private _pollSetting: number | null = null;
  private _timer: ReturnType<typeof setInterval> | null = null;
  private readonly _notebookNode: HTMLDivElement;
  private readonly _statusNode: HTMLParagraphElement;
  private readonly _body: HTMLDivElement;
}
