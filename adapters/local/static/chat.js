// The local chat page: draws what the JSON API returns, posts what the person does.
// Everything from the server is set with textContent, never innerHTML. It words
// nothing itself: messages arrive worded, and the page's own few words come from the
// bot's copy with the page (data-words on <body>).
"use strict";

const words = JSON.parse(document.body.dataset.words || "{}");
const separator = " · ";

const api = "/chat/api/people";
const select = document.getElementById("person");
const list = document.getElementById("conversation");
const composer = document.getElementById("composer");
const textBox = document.getElementById("text");
const sendButton = document.getElementById("send");
const statusLine = document.getElementById("status");
const empty = document.getElementById("empty");
let current = "";
let socket = null;
const shown = new Map(); // message id -> <li>
const acting = new Set(); // ids of messages whose button or form is being sent
const actionIds = new Map(); // action -> client_action_id kept for a retry after a lost answer
let sending = false; // a typed message is on its way
let unsent = null; // {person, text, id}: a message whose answer was lost, kept for its retry

// The server answered with an error: what was sent was refused, not lost.
class ServerError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

// A network error or a server failure: the request may or may not have been processed,
// so its retry must carry the same id (the server handles an id once).
function mayHaveArrived(error) {
  return !(error instanceof ServerError) || error.status >= 500;
}

function problem(error) {
  return error instanceof ServerError ? error.message : words["chat.unreachable"];
}

function newId() {
  // randomUUID exists only in secure contexts (https, loopback); plain HTTP elsewhere
  // still has getRandomValues.
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new ServerError(
      typeof data.detail === "string" ? data.detail : (data.error || response.statusText),
      response.status);
  }
  return data;
}

function withCode(parent, text) {
  // `backticks` become <code>, the rest stays plain text.
  text.split(/(`[^`]+`)/).forEach((part) => {
    if (part.startsWith("`") && part.endsWith("`") && part.length > 1) {
      const code = document.createElement("code");
      code.textContent = part.slice(1, -1);
      parent.appendChild(code);
    } else {
      parent.appendChild(document.createTextNode(part));
    }
  });
}

function actionButton(spec, message, extraClass) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = spec.label;
  button.className = [spec.style || "", extraClass || ""].join(" ").trim();
  button.addEventListener("click", () =>
    act({ action_id: spec.action_id, value: spec.value, message_id: message.id }));
  return button;
}

function line(text) {
  const div = document.createElement("div");
  withCode(div, text);
  return div;
}

function draw(message) {
  const item = document.createElement("li");
  item.className = "msg " + message.from;
  item.dataset.id = message.id;
  if (message.question) {
    const q = message.question;
    if (message.text) item.appendChild(line(message.text)); // e.g. a reminder's lead-in
    if (q.text) {
      const question = document.createElement("div");
      question.className = "question";
      question.textContent = q.text;
      item.appendChild(question);
    }
    const about = [q.progress, q.hint].filter(Boolean).join(" ");
    if (about) item.appendChild(line(about));
    if (q.follow_up) {
      const followUp = document.createElement("div");
      followUp.className = "follow-up";
      followUp.textContent = q.follow_up;
      item.appendChild(followUp);
    }
  } else if (!message.form) {
    withCode(item, message.text || "");
  }
  if (message.idea) {
    const idea = message.idea;
    const card = document.createElement("div");
    card.className = "idea-card";
    const head = document.createElement("strong");
    head.textContent = idea.title + separator + idea.state;
    const body = document.createElement("div");
    body.textContent = idea.text;
    card.append(head, body);
    if ((idea.facts || []).length) {
      const facts = document.createElement("div");
      facts.className = "follow-up";
      facts.textContent = idea.facts.join(separator);
      card.appendChild(facts);
    }
    for (const note of idea.notes || []) {
      const div = document.createElement("div");
      div.className = "follow-up";
      div.textContent = `${note.label}: ${note.text}`;
      card.appendChild(div);
    }
    item.appendChild(card);
  }
  // A chart: only a PNG data URI is drawn (the page fetches nothing from elsewhere).
  const image = message.image;
  if (image && /^data:image\/png;base64,[A-Za-z0-9+/=]+$/.test(image.src || "")) {
    const img = document.createElement("img");
    img.className = "chart";
    img.src = image.src;
    img.alt = image.alt || "";
    if (image.title) img.title = image.title;
    item.appendChild(img);
  }
  for (const notice of message.notices || []) {
    const n = document.createElement("div");
    n.className = "notice";
    n.textContent = notice;
    item.appendChild(n);
  }
  if (message.form) item.appendChild(drawForm(message));
  const options = (message.question && message.question.options) || [];
  if (options.length || (message.buttons || []).length) {
    const row = document.createElement("div");
    row.className = "actions";
    options.forEach((o) => row.appendChild(actionButton(o, message, "option")));
    (message.buttons || []).forEach((b) => row.appendChild(actionButton(b, message)));
    item.appendChild(row);
  }
  return item;
}

function drawForm(message) {
  const spec = message.form;
  const form = document.createElement("form");
  const title = document.createElement("strong");
  title.textContent = spec.title;
  form.appendChild(title);
  if (spec.intro) { const intro = document.createElement("div"); intro.textContent = spec.intro; form.appendChild(intro); }
  for (const field of spec.fields) {
    const label = document.createElement("label");
    label.textContent = field.label;
    const input = document.createElement(field.multiline ? "textarea" : "input");
    input.name = field.name;
    input.required = field.required;
    input.maxLength = field.max_length;
    input.placeholder = field.placeholder || "";
    if (field.value) input.value = field.value;
    label.appendChild(input);
    form.appendChild(label);
  }
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.className = "primary";
  submit.textContent = spec.submit.label;
  form.appendChild(submit);
  if (spec.cancel) {
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.textContent = spec.cancel.label;
    cancel.addEventListener("click", () =>
      act({ action_id: spec.cancel.action_id, value: spec.cancel.value, message_id: message.id }));
    form.appendChild(cancel);
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const fields = {};
    for (const field of spec.fields) fields[field.name] = form.elements[field.name].value;
    act({ action_id: spec.submit.action_id, value: spec.submit.value, message_id: message.id, fields });
  });
  return form;
}

function show(message) {
  const old = shown.get(message.id);
  // The same version again (the reply and the socket both bring it): keep what is on
  // screen, so words typed into a form there are not wiped out.
  if (old && message.updated_at && old.dataset.updated === String(message.updated_at)) return;
  const item = draw(message);
  if (message.updated_at) item.dataset.updated = String(message.updated_at);
  if (old) {
    old.replaceWith(item);
  } else {
    list.appendChild(item);
  }
  shown.set(message.id, item);
  item.scrollIntoView({ block: "end" });
}

function clearChat() {
  list.replaceChildren();
  shown.clear();
}

function apply(data) {
  if (data.erased) clearChat(); // after "forget me": the history before this is gone
  (data.updated || []).forEach(show);
  (data.messages || []).forEach(show);
}

function setButtons(messageId, disabled) {
  const item = shown.get(messageId);
  if (item) item.querySelectorAll("button").forEach((button) => { button.disabled = disabled; });
}

async function act(body) {
  // One action per message at a time: a second click while the first is on its way is
  // ignored, so an answer or an undo is never sent twice.
  if (acting.has(body.message_id)) return;
  acting.add(body.message_id);
  setButtons(body.message_id, true);
  const person = current;
  const key = JSON.stringify([person, body]);
  const id = actionIds.get(key) || newId();
  statusLine.textContent = "";
  try {
    const data = await call("POST", `${api}/${encodeURIComponent(person)}/actions`,
      { ...body, client_action_id: id });
    actionIds.delete(key);
    if (person === current) apply(data); // not into another person's chat picked meanwhile
  } catch (error) {
    if (mayHaveArrived(error)) actionIds.set(key, id); else actionIds.delete(key);
    statusLine.textContent = problem(error);
  } finally {
    acting.delete(body.message_id);
    setButtons(body.message_id, false); // a no-op once the answer has redrawn the message
  }
}

async function open(personId) {
  current = personId;
  list.replaceChildren();
  shown.clear();
  if (socket) socket.close();
  composer.hidden = !personId;
  empty.hidden = Boolean(personId);
  if (!personId) return;
  history.replaceState(null, "", `?as=${encodeURIComponent(personId)}`);
  apply(await call("GET", `${api}/${encodeURIComponent(personId)}/conversation`));
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}${api}/${encodeURIComponent(personId)}/ws`);
  socket.addEventListener("message", (event) => {
    const data = JSON.parse(event.data);
    if (personId !== current) return;
    if (data.type === "erased") clearChat();
    else if (data.message) show(data.message);
  });
  textBox.focus();
}

function setSending(on) {
  sending = on;
  textBox.disabled = on;
  sendButton.disabled = on;
}

composer.addEventListener("submit", async (event) => {
  event.preventDefault();
  // A second Enter or click while the first is on its way must not send the text again.
  if (sending) return;
  const text = textBox.value.trim();
  if (!text) return;
  const person = current;
  // Nobody picked: there is no chat to send to (the box is hidden then, but be sure).
  if (!person) { statusLine.textContent = words["chat.pick_first"]; return; }
  // Retrying the same text after a lost answer reuses its id: the server keeps one.
  const id = unsent && unsent.person === person && unsent.text === text ? unsent.id : newId();
  statusLine.textContent = "";
  setSending(true);
  try {
    const data = await call("POST", `${api}/${encodeURIComponent(person)}/messages`,
      { text, client_message_id: id });
    unsent = null;
    if (person === current) { apply(data); textBox.value = ""; }
  } catch (error) {
    unsent = mayHaveArrived(error) ? { person, text, id } : null;
    statusLine.textContent = problem(error);
  } finally {
    setSending(false);
    if (person === current) textBox.focus();
  }
});

textBox.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); composer.requestSubmit(); }
});

select.addEventListener("change", () => open(select.value));

(async () => {
  const { people } = await call("GET", api);
  for (const role of ["clinician", "leader", "wellness_lead"]) {
    const group = document.createElement("optgroup");
    group.label = words[`chat.group.${role}`];
    people.filter((p) => p.roles.includes(role)).forEach((p) => {
      const option = document.createElement("option");
      option.value = p.id;
      option.textContent = p.name + separator + (p.site || words["chat.no_site"]);
      group.appendChild(option);
    });
    if (group.children.length) select.appendChild(group);
  }
  const wanted = new URLSearchParams(location.search).get("as");
  if (wanted && people.some((p) => p.id === wanted)) { select.value = wanted; open(wanted); }
})();
