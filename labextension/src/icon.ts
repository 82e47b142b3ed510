import { LabIcon } from '@jupyterlab/ui-components';

// A shield with a keyhole; `jp-icon3` lets the theme pick the fill colour (light and dark).
const shieldSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" fill-rule="evenodd"
    d="M12 1.5 3.5 5v6.2c0 5.2 3.6 9.9 8.5 11.3 4.9-1.4 8.5-6.1 8.5-11.3V5L12 1.5zm0 6a2 2 0 0 1 1 3.73V15h-2v-3.77A2 2 0 0 1 12 7.5z"/>
</svg>`;

export const shieldIcon = new LabIcon({
  name: 'jupyter-privacy:shield',
  svgstr: shieldSvg
});
