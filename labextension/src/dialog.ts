import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { Kernel } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';

import { h } from './dom';
import { IPolicySummary, IPurposeChoice, purposeMagic, referenceHint, refusalText } from './model';

/** The body of the "declare purpose" dialog: purpose, lawful basis, reference, Art. 9 condition. */
export class PurposeForm extends Widget implements Dialog.IBodyWidget<IPurposeChoice> {
  constructor(private readonly _policy: IPolicySummary) {
    super();
    this.addClass('jp-PrivacyPurposeForm');
    this._purpose = h('select', { name: 'purpose' }) as HTMLSelectElement;
    for (const p of _policy.purposes) {
      this._purpose.append(h('option', { value: p.id }, `${p.id} — ${p.description}`));
    }
    this._basis = h('select', { name: 'basis' }) as HTMLSelectElement;
    this._reference = h('input', { name: 'reference', type: 'text' }) as HTMLInputElement;
    this._hint = h('div', { class: 'jp-PrivacyPurposeForm-hint' });
    this._art9 = h('input', { name: 'art9', type: 'text', readonly: 'readonly' }) as HTMLInputElement;
    this._art9Row = h('label', {}, 'Art. 9(2) condition (special categories)', this._art9);
    this.node.append(
      h('label', {}, 'Purpose', this._purpose),
      h('label', {}, 'Lawful basis (Art. 6)', this._basis),
      h('label', {}, 'Reference', this._reference, this._hint),
      this._art9Row
    );
    this._purpose.addEventListener('change', () => this._update());
    this._update();
  }

  getValue(): IPurposeChoice {
    return {
      purpose: this._purpose.value,
      basis: this._basis.value,
      reference: this._reference.value,
      art9: this._art9Row.hidden ? '' : this._art9.value
    };
  }

  private _update(): void {
    const purpose = this._policy.purposes.find(p => p.id === this._purpose.value);
    this._basis.replaceChildren(...(purpose?.lawful_bases ?? []).map(b => h('option', { value: b }, b)));
    this._hint.textContent = referenceHint(purpose);
    this._reference.placeholder = purpose?.reference?.registry?.[0] ?? '';
    const special = purpose?.special_categories;
    this._art9Row.hidden = !special;
    this._art9.value = special ? special.art9_condition : '';
    this._art9.title = special ? `for ${special.allowed.join(', ')}` : '';
  }

  private readonly _purpose: HTMLSelectElement;
  private readonly _basis: HTMLSelectElement;
  private readonly _reference: HTMLInputElement;
  private readonly _hint: HTMLElement;
  private readonly _art9: HTMLInputElement;
  private readonly _art9Row: HTMLElement;
}

/**
 * Run code in the kernel; resolves with the error (ename, evalue) if it failed, else null.
 *
 * IPython prints a UsageError (how the magics refuse) to stderr instead of sending an `error` message,
 * so the execute reply is what tells success from refusal.
 */
export async function runInKernel(
  kernel: Kernel.IKernelConnection,
  code: string
): Promise<{ ename: string; evalue: string } | null> {
  const future = kernel.requestExecute({ code, silent: false, store_history: false });
  const reply = await future.done;
  const content = reply.content;
  if (content.status === 'error') {
    return { ename: content.ename, evalue: content.evalue };
  }
  return null;
}

/**
 * Ask for a purpose and declare it in the notebook's kernel with `%privacy_purpose`.
 *
 * Returns true when the kernel accepted it; a refusal is shown to the user with the kernel's reason.
 */
export async function declarePurpose(
  policy: IPolicySummary,
  kernel: Kernel.IKernelConnection | null | undefined
): Promise<boolean> {
  if (!kernel) {
    await showErrorMessage('No kernel', 'Start the notebook’s kernel before declaring a purpose.');
    return false;
  }
  if (policy.purposes.length === 0) {
    await showErrorMessage(
      'No purposes defined',
      policy.default
        ? 'The built-in default policy is in use: it defines no purposes, so nothing can be unmasked. Ask your administrator to install a policy.'
        : `The policy ${policy.source} defines no purposes.`
    );
    return false;
  }
  const result = await showDialog({
    title: 'Declare processing purpose',
    body: new PurposeForm(policy),
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Declare' })],
    focusNodeSelector: 'select'
  });
  if (!result.button.accept || !result.value) {
    return false;
  }
  // load the extension if the kernel has not (a no-op otherwise), then run the magic
  const code = [
    "get_ipython().extension_manager.load_extension('jupyter_privacy')",
    purposeMagic(result.value)
  ].join('\n');
  const failure = await runInKernel(kernel, code);
  if (failure) {
    await showErrorMessage('Purpose refused', refusalText(failure.ename, failure.evalue));
    return false;
  }
  return true;
}
