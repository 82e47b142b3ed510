import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { PrivacyPanel } from './panel';
import { isLogAppended } from './push';

const PLUGIN_ID = 'jupyter-privacy:sidebar';

/**
 * The Privacy sidebar: a left-area panel following the active notebook.
 */
const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Privacy panel in the left sidebar, following the active notebook.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ILayoutRestorer, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null
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
    // appends pushed by the server (PostgreSQL team log): refresh at once, not at the next poll
    app.serviceManager.events.stream.connect((_, event) => {
      if (isLogAppended(event, panel.notebookPath)) {
        void panel.refresh();
      }
    });
    if (settingRegistry) {
      void settingRegistry.load(PLUGIN_ID).then(settings => {
        const apply = (): void => {
          const value = settings.get('pollInterval').composite;
          panel.pollInterval = typeof value === 'number' ? value : null;
        };
        settings.changed.connect(apply);
        apply();
      });
    }
  }
};

export default sidebarPlugin;
