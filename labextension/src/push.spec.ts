import { LOG_APPENDED_SCHEMA, isLogAppended } from './push';

describe('isLogAppended', () => {
  const appended = { schema_id: LOG_APPENDED_SCHEMA, path: 'team/churn.ipynb', seq: 4 };

  it('matches an append to the shown notebook', () => {
    expect(isLogAppended(appended, 'team/churn.ipynb')).toBe(true);
  });

  it('ignores appends to other notebooks', () => {
    expect(isLogAppended(appended, 'team/other.ipynb')).toBe(false);
  });

  it('ignores other event schemas and a panel without a notebook', () => {
    const contents = { schema_id: 'https://events.jupyter.org/jupyter_server/contents_service/v1', path: 'team/churn.ipynb' };
    expect(isLogAppended(contents, 'team/churn.ipynb')).toBe(false);
    expect(isLogAppended(appended, null)).toBe(false);
  });
});
