import { h } from './dom';
import { IColumnChip } from './model';

/** A chip for one flagged column; colour by category from theme variables (see style/base.css). */
export function chipElement(chip: IColumnChip): HTMLElement {
  const state = chip.masked ? 'masked' : 'unmasked';
  return h(
    'span',
    {
      class: `jp-PrivacyChip jp-PrivacyChip-${chip.category} jp-mod-${state}`,
      title: chip.title,
      'data-column': chip.column
    },
    chip.label,
    h('span', { class: 'jp-PrivacyChip-state' }, state)
  );
}

export function chipList(chips: IColumnChip[]): HTMLElement {
  return h('div', { class: 'jp-PrivacyChips' }, ...chips.map(chipElement));
}
