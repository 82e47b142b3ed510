import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';

import { PrivacyPanel } from './panel';

/**
 * The Privacy sidebar: a left-area panel following the active notebook.
 */
const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-privacy:sidebar',
  description: 'Privacy panel in the left sidebar, following the active notebook.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    restorer: ILayoutRestorer | null
  ): void => {
    const panel = new PrivacyPanel();
    app.shell.add(panel, 'left', { rank: 600 });
    if (restorer) {
      restorer.add(panel, panel.id);
    }
    panel.setNotebook(tracker.currentWidget);
    tracker.currentChanged.connect((_, notebook) => {
      panel.setNotebook(notebook);
    });
  }
};

export default sidebarPlugin;
