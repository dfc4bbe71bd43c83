// A Server-Sent Events parser over a fetch body (the text/event-stream format of the HTML spec):
// fields id, event and data; ':' lines are comments (the gateway's keep-alives).

/**
 * Reads until the stream ends. `onMessage({ id, event, data })` per dispatched event;
 * `onActivity()` for every chunk, keep-alive comments included.
 */
export async function readEventStream(response, { onMessage, onActivity }) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let pendingCarriageReturn = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return;
    }
    onActivity?.();
    let chunk = value;
    if (pendingCarriageReturn && chunk.startsWith('\n')) {
      chunk = chunk.slice(1);
    }
    pendingCarriageReturn = chunk.endsWith('\r');
    buffer += chunk.replace(/\r\n?/g, '\n');
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const message = parseBlock(block);
      if (message) {
        onMessage(message);
      }
      end = buffer.indexOf('\n\n');
    }
  }
}

function parseBlock(block) {
  let id = null;
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) {
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'data') {
      data.push(value);
    } else if (field === 'id') {
      id = value;
    } else if (field === 'event') {
      event = value;
    }
  }
  return data.length === 0 ? null : { id, event, data: data.join('\n') };
}
