/**
 * Updates pushed by the server through jupyter_server's event stream (`/api/events/subscribe`): with a
 * PostgreSQL team log the server LISTENs to the database's append notifications and emits one event per
 * append to a notebook under its root (jupyter_privacy/server/push.py). The sidebar refreshes at once
 * when the event names its notebook, instead of waiting for the next timed poll.
 */

/** The event schema the server registers (jupyter_privacy/server/event_schemas/log_appended.yaml). */
export const LOG_APPENDED_SCHEMA = 'https://events.jupyter.org/jupyter_privacy/log_appended/v1';

/** One emission of jupyter_server's event stream (as `Event.Emission` of @jupyterlab/services). */
export interface IEmission {
  schema_id: string;
  [key: string]: unknown;
}

/** True when the event says a record was appended to the notebook at API path `path`. */
export function isLogAppended(event: IEmission, path: string | null): boolean {
  return path !== null && path !== '' && event.schema_id === LOG_APPENDED_SCHEMA && event.path === path;
}
