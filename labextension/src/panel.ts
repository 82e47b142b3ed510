import { NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import { shieldIcon } from './icon';
import { NO_DATA_TEXT, notebookLabel } from './status';

/** DOM id of the sidebar panel; UI tests and the layout restorer rely on it. */
export const PANEL_ID = 'jp-privacy-sidebar';

/**
 * Left-sidebar panel that follows the active notebook.
 *
 * For now it only names the notebook; flagged columns and purposes come from the kernel later.
 */
export class PrivacyPanel extends Widget {
  constructor() {
    super();
    this.id = PANEL_ID;
    this.addClass('jp-PrivacyPanel');
    this.title.icon = shieldIcon;
    this.title.caption = 'Privacy';

    const header = document.createElement('h2');
    header.className = 'jp-PrivacyPanel-header';
    header.textContent = 'Privacy';

    this._notebookNode = document.createElement('div');
    this._notebookNode.className = 'jp-PrivacyPanel-notebook';

    this._statusNode = document.createElement('p');
    this._statusNode.className = 'jp-PrivacyPanel-status';

    this.node.append(header, this._notebookNode, this._statusNode);
    this.setNotebook(null);
  }

  /** Show the given notebook (or none). */
  setNotebook(notebook: NotebookPanel | null): void {
    if (this._notebook) {
      this._notebook.context.pathChanged.disconnect(this._render, this);
    }
    this._notebook = notebook;
    if (notebook) {
      notebook.context.pathChanged.connect(this._render, this);
    }
    this._render();
  }

  private _render(): void {
    const path = this._notebook?.context.path ?? null;
    this._notebookNode.textContent = notebookLabel(path);
    this._notebookNode.title = path ?? '';
    this._statusNode.textContent = this._notebook ? NO_DATA_TEXT : '';
  }

  private _notebook: NotebookPanel | null = null;
  private readonly _notebookNode: HTMLDivElement;
  private readonly _statusNode: HTMLParagraphElement;
}
