import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { chipList } from './chips';
import { h } from './dom';
import { ILoadSummary, LOAD_MIME, reidentificationText, summaryChips } from './model';

/** Inline rendering of a `%privacy_load` summary: one chip per flagged column. */
export class LoadSummaryRenderer extends Widget implements IRenderMime.IRenderer {
  constructor() {
    super();
    this.addClass('jp-PrivacyLoad');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const summary = model.data[LOAD_MIME] as unknown as ILoadSummary;
    const flagged = summary.flagged.length;
    const reid = reidentificationText(summary.reidentification);
    const parts: (HTMLElement | null)[] = [
      h(
        'div',
        { class: 'jp-PrivacyLoad-head' },
        h('strong', {}, summary.variable ?? summary.id),
        ` ${summary.rows.toLocaleString()} rows × ${summary.columns} columns — `,
        flagged
          ? `${flagged} column${flagged === 1 ? '' : 's'} with personal data, masked (key ${summary.masking.key_id})`
          : 'no personal data found'
      ),
      chipList(summaryChips(summary)),
      reid ? h('div', { class: 'jp-PrivacyLoad-reid' }, `Re-identification: ${reid}`) : null,
      h(
        'div',
        { class: 'jp-PrivacyLoad-note' },
        'Pseudonymised, not anonymised: masked columns are still personal data.'
      )
    ];
    this.node.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
  }
}

const extension: IRenderMime.IExtension = {
  id: 'jupyter-privacy:load-summary',
  description: 'Renders jupyter-privacy load summaries as flag chips.',
  rendererFactory: {
    safe: true,
    mimeTypes: [LOAD_MIME],
    createRenderer: () => new LoadSummaryRenderer()
  },
  rank: 0,
  dataType: 'json'
};

export default extension;
