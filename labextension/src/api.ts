import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { INotebookState, IPolicySummary } from './model';

/** Error of a REST call, with the server's message (which says what to do). */
export class PrivacyApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

async function request(
  endpoint: string,
  init: RequestInit = {},
  query: Record<string, string> = {}
): Promise<Response> {
  const settings = ServerConnection.makeSettings();
  const params = new URLSearchParams(query).toString();
  const url = URLExt.join(settings.baseUrl, 'jupyter-privacy', endpoint) + (params ? `?${params}` : '');
  const response = await ServerConnection.makeRequest(url, init, settings);
  if (!response.ok) {
    let message = response.statusText;
    try {
      const body = (await response.json()) as { message?: string };
      message = body.message || message;
    } catch {
      // not JSON: keep the status text
    }
    throw new PrivacyApiError(response.status, message);
  }
  return response;
}

/** GET /jupyter-privacy/policy */
export async function fetchPolicy(): Promise<IPolicySummary> {
  return (await (await request('policy')).json()) as IPolicySummary;
}

/** GET /jupyter-privacy/state?path=NB */
export async function fetchState(path: string): Promise<INotebookState> {
  return (await (await request('state', {}, { path })).json()) as INotebookState;
}

/** POST /jupyter-privacy/export: the document and the file name the server suggests. */
export async function exportRecord(
  path: string,
  format: 'json' | 'html' | 'csv'
): Promise<{ blob: Blob; filename: string }> {
  const response = await request('export', {
    method: 'POST',
    body: JSON.stringify({ path, format })
  });
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const match = /filename="([^"]+)"/.exec(disposition);
  return { blob: await response.blob(), filename: match ? match[1] : `processing-record.${format}` };
}

/** Save a blob through the browser's download mechanism. */
export function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
