import { NO_NOTEBOOK_TEXT, notebookLabel } from './status';

describe('notebookLabel', () => {
  it('shows the file name of a nested notebook', () => {
    expect(notebookLabel('projects/churn/analysis.ipynb')).toBe('analysis.ipynb');
  });

  it('shows the path itself for a top-level notebook', () => {
    expect(notebookLabel('analysis.ipynb')).toBe('analysis.ipynb');
  });

  it('says no notebook is active when there is no path', () => {
    expect(notebookLabel(null)).toBe(NO_NOTEBOOK_TEXT);
    expect(notebookLabel('')).toBe(NO_NOTEBOOK_TEXT);
  });
});
