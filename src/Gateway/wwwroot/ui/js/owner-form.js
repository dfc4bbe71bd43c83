// "Who you are": the owner the page sends requests as (a user id or an API key), kept in the browser.

const $ = (id) => document.getElementById(id);

/**
 * Fills the owner form from the store and saves what is submitted.
 * @param {import('./owner-store.js').OwnerStore} owner
 */
export function setupOwnerForm(owner) {
  const form = $('owner-form');
  const input = $('owner-value');
  const label = $('owner-value-label');
  const saved = $('owner-saved');
  const kindInputs = form.querySelectorAll('input[name="owner-kind"]');

  const showKind = (kind) => {
    label.textContent = kind === 'apikey' ? 'API key' : 'User id';
    input.type = kind === 'apikey' ? 'password' : 'text';
  };
  for (const radio of kindInputs) {
    radio.checked = radio.value === owner.kind;
    radio.addEventListener('change', () => showKind(radio.value));
  }
  input.value = owner.value;
  showKind(owner.kind);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const kind = form.querySelector('input[name="owner-kind"]:checked')?.value ?? 'user';
    const kept = owner.save(kind, input.value);
    const who = owner.value === '' ? 'anonymous' : kind === 'apikey' ? 'your API key' : `user “${owner.value}”`;
    saved.textContent = kept ? `Saved: requests now go as ${who}.` : `Using ${who} on this page (the browser would not store it).`;
  });
}
