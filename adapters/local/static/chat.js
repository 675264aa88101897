// The local chat page: draws what the JSON API returns, posts what the person does.
// Everything from the server is set with textContent, never innerHTML.
"use strict";

const api = "/chat/api/people";
const select = document.getElementById("person");
const list = document.getElementById("conversation");
const composer = document.getElementById("composer");
const textBox = document.getElementById("text");
const statusLine = document.getElementById("status");
const empty = document.getElementById("empty");
let current = "";
let socket = null;
const shown = new Map(); // message id -> <li>

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(typeof data.detail === "string" ? data.detail : (data.error || response.statusText));
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

function draw(message) {
  const item = document.createElement("li");
  item.className = "msg " + message.from;
  item.dataset.id = message.id;
  if (message.question) {
    const q = document.createElement("div");
    q.className = "question";
    q.textContent = message.question.text;
    item.appendChild(q);
    const rest = message.text.replace(message.question.text, "").trim();
    if (rest) { const p = document.createElement("div"); withCode(p, rest); item.appendChild(p); }
    if (message.question.follow_up) {
      const f = document.createElement("div");
      f.className = "follow-up";
      f.textContent = message.question.follow_up;
      item.appendChild(f);
    }
  } else if (!message.form) {
    withCode(item, message.text || "");
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
    label.appendChild(input);
    form.appendChild(label);
  }
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.className = "primary";
  submit.textContent = spec.submit.label;
  form.appendChild(submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const fields = {};
    for (const field of spec.fields) fields[field.name] = form.elements[field.name].value;
    act({ action_id: spec.submit.action_id, value: spec.submit.value, message_id: message.id, fields });
  });
  return form;
}

function show(message) {
  const item = draw(message);
  const old = shown.get(message.id);
  if (old) {
    old.replaceWith(item);
  } else {
    list.appendChild(item);
  }
  shown.set(message.id, item);
  item.scrollIntoView({ block: "end" });
}

function apply(data) {
  (data.updated || []).forEach(show);
  (data.messages || []).forEach(show);
}

async function act(body) {
  statusLine.textContent = "";
  try {
    apply(await call("POST", `${api}/${encodeURIComponent(current)}/actions`,
      { ...body, client_action_id: crypto.randomUUID() }));
  } catch (error) {
    statusLine.textContent = error.message;
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
    if (personId === current) show(data.message);
  });
  textBox.focus();
}

composer.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = textBox.value.trim();
  if (!text) return;
  statusLine.textContent = "";
  try {
    apply(await call("POST", `${api}/${encodeURIComponent(current)}/messages`,
      { text, client_message_id: crypto.randomUUID() }));
    textBox.value = "";
  } catch (error) {
    statusLine.textContent = error.message;
  }
});

textBox.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); composer.requestSubmit(); }
});

select.addEventListener("change", () => open(select.value));

(async () => {
  const { people } = await call("GET", api);
  const label = { clinician: "Clinicians", leader: "Leaders", wellness_lead: "Wellness lead" };
  for (const role of Object.keys(label)) {
    const group = document.createElement("optgroup");
    group.label = label[role];
    people.filter((p) => p.roles.includes(role)).forEach((p) => {
      const option = document.createElement("option");
      option.value = p.id;
      option.textContent = `${p.name} · ${p.site || "no site"}`;
      group.appendChild(option);
    });
    if (group.children.length) select.appendChild(group);
  }
  const wanted = new URLSearchParams(location.search).get("as");
  if (wanted && people.some((p) => p.id === wanted)) { select.value = wanted; open(wanted); }
})();
