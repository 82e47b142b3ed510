/**
 * Pure text logic of the Privacy panel, kept free of JupyterLab imports so it is unit-testable.
 */

/** Text shown while the kernel side does not yet report anything for a notebook. */
export const NO_DATA_TEXT = 'no notebook data yet';

/** Text shown when no notebook is open or focused. */
export const NO_NOTEBOOK_TEXT = 'No notebook is active.';

/**
 * Heading for the panel: the notebook's file name, or a neutral text when there is none.
 *
 * @param path - the notebook path relative to the server root, or null
 */
export function notebookLabel(path: string | null | undefined): string {
  if (!path) {
    return NO_NOTEBOOK_TEXT;
  }
  const parts = path.split('/');
  return parts[parts.length - 1] || path;
}
