// Server-Sent Events from the HTTP face, read with fetch so that the call
// carries its credentials in headers (EventSource cannot send
// Authorization). Resumes after a broken connection with Last-Event-ID, so
// no event is missed or repeated.
import { authHeaders } from './api.js';

// Calls onEvent(data, id) for each event of `path` until close(); onStatus
// says 'open', 'retrying' or 'closed'.
export function watchEvents(path, { onEvent, onStatus = () => {} }) {
  let lastId = null;
  let closed = false;
  let controller = null;
  let delay = 500;

  async function connect() {
    while (!closed) {
      controller = new AbortController();
      try {
        const headers = { Accept: 'text/event-stream', ...authHeaders() };
        if (lastId) headers['Last-Event-ID'] = lastId;
        const response = await fetch(path, { headers, signal: controller.signal, credentials: 'same-origin' });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        onStatus('open');
        delay = 500;
        await read(response.body.getReader());
      } catch (error) {
        if (closed) break;
      }
      if (closed) break;
      onStatus('retrying');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10000);
    }
    onStatus('closed');
  }

  async function read(reader) {
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  function dispatch(block) {
    let id = null;
    let type = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) type = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (id) lastId = id;
    if (type !== 'message' || data.length === 0) return;
    try {
      onEvent(JSON.parse(data.join('\n')), id);
    } catch {
      // A malformed event is skipped; the next one still comes.
    }
  }

  connect();
  return {
    close() {
      closed = true;
      if (controller) controller.abort();
    },
  };
}
