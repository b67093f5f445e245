// Mezon sandbox console. Talks only to the sandbox's control API (/_sandbox/v1, see
// docs/sandbox-control-api.md) and follows its server-sent events. No framework, no build
// step, nothing fetched from elsewhere; every value from the server is inserted as text.
"use strict";

const API = "/_sandbox/v1";
const PALETTE = ["👍", "❤️", "😂", "🎉", "👀", "🚀"];
const MAX_FRAMES = 400;

const state = {
  info: null, me: null, channel: null, messages: new Map(), unread: new Map(), balances: {},
};

const $ = (sel) => document.querySelector(sel);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function toast(text) {
  const node = $("#toast");
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { node.hidden = true; }, 4000);
}

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(API + path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = data.error || `${response.status} ${response.statusText}`;
    toast(message);
    throw new Error(message);
  }
  return data;
}

const user = (id) => state.info.users.find((u) => u.id === id);
const userName = (id) => (user(id) || { username: id }).username;
const channelOf = (id) => state.info.channels.find((c) => c.id === id);

// ------------------------------------------------------------------------------ directory

async function loadInfo() {
  state.info = await api("GET", "/info");
  const picker = $("#as-user");
  const previous = state.me || picker.value || state.info.default_user;
  picker.replaceChildren(...state.info.users.map((u) =>
    el("option", { value: u.id }, `${u.username}${u.is_bot ? " (bot)" : ""}`)));
  state.me = state.info.users.some((u) => u.id === previous) ? previous : state.info.default_user;
  picker.value = state.me;
  if (!state.channel || !channelOf(state.channel)) state.channel = state.info.default_channel;
  renderDirectory();
  renderBotStatus();
}

function visible(channel) { return channel.audience.includes(state.me); }

function channelButton(channel, label) {
  const unread = state.unread.get(channel.id) || 0;
  return el("button", {
    type: "button", class: "channel" + (channel.id === state.channel ? " active" : ""),
    dataset: { id: channel.id, label: channel.label }, title: channel.id,
    onclick: () => selectChannel(channel.id),
  }, el("span", {}, label), unread ? el("span", { class: "unread" }, unread) : null);
}

function renderDirectory() {
  const nav = $("#directory");
  const parts = [];
  for (const clan of state.info.clans) {
    const channels = state.info.channels.filter((c) => c.clan_id === clan.id && visible(c));
    if (!channels.length) continue;
    parts.push(el("h3", {}, clan.name));
    for (const c of channels) {
      const prefix = c.type === 7 ? "↳ " : c.type === 10 || c.type === 4 ? "🔊 " : "# ";
      parts.push(channelButton(c, prefix + c.label + (c.private ? " 🔒" : "")));
    }
  }
  const dms = state.info.channels.filter((c) => c.clan_id === "0" && visible(c));
  if (dms.length) {
    parts.push(el("h3", {}, "Direct messages"));
    for (const c of dms) {
      const others = c.audience.filter((u) => u !== state.me).map(userName).join(", ");
      parts.push(channelButton(c, "@ " + (others || c.label)));
    }
  }
  nav.replaceChildren(...parts);
  const channel = channelOf(state.channel);
  $("#channel-title").textContent = channel ? (channel.clan_id === "0" ? "@ " : "# ") + channelTitle(channel) : "";
}

function channelTitle(channel) {
  if (channel.clan_id !== "0") return channel.label;
  return channel.audience.filter((u) => u !== state.me).map(userName).join(", ") || channel.label;
}

function renderBotStatus() {
  const bot = state.info.users.find((u) => u.id === state.info.bot.id);
  const node = $("#bot-status");
  node.textContent = `${bot.username} ${bot.online ? "online" : "offline"}`;
  node.className = bot.online ? "online" : "offline";
}

async function selectChannel(id) {
  state.channel = id;
  state.unread.delete(id);
  renderDirectory();
  await loadMessages();
}

// ------------------------------------------------------------------------------ messages

async function loadMessages() {
  const channel = state.channel;
  const data = await api("GET", `/messages?channel_id=${channel}`);
  if (channel !== state.channel) return;
  const ephemeral = [...state.messages.values()].filter((m) => m.receivers && m.channel_id === channel);
  state.messages = new Map();
  for (const m of [...data.messages, ...ephemeral]) state.messages.set(m.id, m);
  renderMessages();
}

function sortedMessages() {
  return [...state.messages.values()].sort((a, b) => {
    const x = BigInt(a.id), y = BigInt(b.id);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function renderMessages() {
  const list = $("#messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const items = sortedMessages().filter((m) => !m.receivers || m.receivers.includes(state.me) ||
    m.sender_id === state.me);
  list.replaceChildren(...items.map(renderMessage));
  if (atBottom || items.length < 30) list.scrollTop = list.scrollHeight;
}

function onMessageEvent(message) {
  if (message.channel_id !== state.channel) {
    if (message.code === 0 && message.sender_id !== state.me) {
      state.unread.set(message.channel_id, (state.unread.get(message.channel_id) || 0) + 1);
      renderDirectory();
    }
    return;
  }
  const known = state.messages.get(message.id);
  if (message.code === 2 || message.code === 15) {
    state.messages.set(message.id, { ...(known || message), deleted: true });
  } else if (message.code === 14 && known) {
    state.messages.set(message.id, { ...message, receivers: message.receivers.length ? message.receivers : known.receivers, edited: true });
  } else {
    const edited = message.edited || message.code === 1 || Boolean(known && known.edited);
    state.messages.set(message.id, { ...message, edited });
  }
  renderMessages();
}

function renderMessage(m) {
  const time = new Date(m.create_time * 1000).toLocaleTimeString();
  const mine = m.sender_id === state.me;
  const actions = mine && !m.deleted && !m.receivers ? el("span", { class: "actions" },
    el("button", { type: "button", class: "edit", onclick: () => editMessage(m) }, "edit"),
    el("button", { type: "button", class: "delete", onclick: () => deleteMessage(m) }, "delete"),
  ) : null;
  const meta = el("div", { class: "meta" },
    el("span", { class: "author" }, m.display_name || m.username),
    m.is_bot ? el("span", { class: "badge" }, "BOT") : null,
    el("span", {}, time),
    m.edited && !m.deleted ? el("span", { class: "edited" }, "(edited)") : null,
    m.receivers ? el("span", { class: "only" }, "only " +
      (m.receivers.map((u) => (u === state.me ? "you" : userName(u))).join(", ") || "some users") + " can see this") : null,
    actions);
  const node = el("li", {
    class: "msg" + (m.deleted ? " deleted" : "") + (m.receivers ? " ephemeral" : ""),
    dataset: { id: m.id, sender: m.username },
  }, meta);
  for (const ref of m.references || []) {
    node.append(el("div", { class: "ref" }, `↪ ${ref.username}: ${(ref.content && ref.content.t) || ""}`));
  }
  if (m.deleted) {
    node.append(el("div", { class: "body" }, "message deleted"));
    return node;
  }
  const content = m.content || {};
  if (typeof content.t === "string" && content.t) node.append(el("div", { class: "body" }, renderText(content, m.mentions)));
  for (const embed of content.embed || []) node.append(renderEmbed(m, embed));
  for (const row of content.components || []) node.append(renderRow(m, row));
  for (const att of content.attachments || []) node.append(el("div", {}, `📎 ${att.filename || att.url || "attachment"}`));
  node.append(renderReactions(m));
  return node;
}

// Text with markdown ranges (mk, UTF-16 offsets like JS strings), mentions, links, and a
// fallback for **bold**, `code` and ```blocks``` when the sender gave no ranges.
function renderText(content, mentions) {
  const text = content.t;
  const ranges = [];
  for (const r of content.mk || []) ranges.push({ s: r.s || 0, e: r.e || 0, type: r.type || "b" });
  for (const r of content.lk || []) ranges.push({ s: r.s || 0, e: r.e || 0, type: "lk" });
  for (const r of content.hg || []) ranges.push({ s: r.s || 0, e: r.e || 0, type: "hg" });
  for (const m of mentions || []) if (m.e > m.s) ranges.push({ s: m.s, e: m.e, type: "mention" });
  if (!(content.mk || []).length) {
    const patterns = [[/```([\s\S]+?)```/g, "t"], [/`([^`\n]+)`/g, "s"], [/\*\*([^*\n]+)\*\*/g, "bold-md"]];
    for (const [re, type] of patterns) for (const hit of text.matchAll(re)) {
      ranges.push({ s: hit.index, e: hit.index + hit[0].length, type });
    }
  }
  ranges.sort((a, b) => a.s - b.s || b.e - a.e);
  const out = [];
  let pos = 0;
  for (const r of ranges) {
    if (r.s < pos || r.e > text.length || r.e <= r.s) continue; // overlapping or out of range
    if (r.s > pos) out.push(text.slice(pos, r.s));
    out.push(renderRange(text.slice(r.s, r.e), r.type));
    pos = r.e;
  }
  if (pos < text.length) out.push(text.slice(pos));
  return out;
}

function renderRange(part, type) {
  switch (type) {
    case "b": return el("strong", {}, part);
    case "bold-md": return el("strong", {}, part.slice(2, -2));
    case "c": return el("code", {}, part);
    case "s": return el("code", {}, part.replace(/^`|`$/g, ""));
    case "pre": return el("pre", {}, part);
    case "t": return el("pre", {}, part.replace(/^```\n?|```$/g, ""));
    case "mention": return el("span", { class: "mention" }, part);
    case "hg": return el("span", { class: "mention" }, part);
    case "lk": case "lk_yt": case "vk":
      return /^https?:\/\//.test(part) ? el("a", { href: part, target: "_blank", rel: "noopener noreferrer" }, part) : part;
    default: return part;
  }
}

function renderEmbed(m, embed) {
  const node = el("div", { class: "embed" });
  if (typeof embed.color === "string" && /^#[0-9a-fA-F]{3,8}$/.test(embed.color)) node.style.borderLeftColor = embed.color;
  if (embed.author && embed.author.name) node.append(el("div", { class: "author" }, embed.author.name));
  if (embed.title) {
    node.append(el("div", { class: "title" }, /^https?:\/\//.test(embed.url || "")
      ? el("a", { href: embed.url, target: "_blank", rel: "noopener noreferrer" }, embed.title) : embed.title));
  }
  if (embed.description) node.append(el("div", { class: "description" }, embed.description));
  for (const field of embed.fields || []) {
    const box = el("div", { class: "field" }, el("div", { class: "field-name" }, field.name || ""));
    if (field.inputs) box.append(renderInput(field.inputs));
    else if (field.value) box.append(el("div", {}, field.value));
    node.append(box);
  }
  for (const key of ["image", "thumbnail"]) {
    if (embed[key] && embed[key].url) node.append(el("div", { class: "footer" }, `[${key}: ${embed[key].url}]`));
  }
  if (embed.footer && embed.footer.text) node.append(el("div", { class: "footer" }, embed.footer.text));
  return node;
}

// A form input of an embed field or an action row; its value goes into extra_data on a click.
function renderInput(input) {
  const id = String(input.id || "");
  const c = input.component || {};
  const data = { field: id, kind: String(input.type) };
  switch (input.type) {
    case 2: {
      const options = c.options || [];
      const chosen = c.valueSelected && c.valueSelected.value;
      return el("select", { class: "form-input", dataset: data, "aria-label": id },
        options.map((o) => el("option", { value: o.value, selected: o.value === chosen }, o.label)));
    }
    case 4: return el("input", { class: "form-input", type: "date", dataset: data, "aria-label": id });
    case 5: {
      const multi = (input.max_options || 1) > 1;
      return el("div", { class: "radios", dataset: { ...data, multi: multi ? "1" : "" } },
        (Array.isArray(c) ? c : []).map((o) => el("label", {},
          el("input", { type: multi ? "checkbox" : "radio", name: `radio-${id}`, value: o.value, disabled: o.disabled }),
          " ", o.label)));
    }
    case 6: return el("div", { class: "footer" }, "[animation]");
    default: {
      const attrs = { class: "form-input", dataset: data, placeholder: c.placeholder, "aria-label": id, disabled: c.disabled };
      const field = c.textarea ? el("textarea", attrs) : el("input", { ...attrs, type: c.type === "number" ? "number" : "text" });
      field.value = c.defaultValue === undefined || c.defaultValue === null ? "" : String(c.defaultValue);
      return field;
    }
  }
}

function formValues(node) {
  const values = {};
  for (const input of node.querySelectorAll(".form-input")) values[input.dataset.field] = input.value;
  for (const group of node.querySelectorAll(".radios")) {
    const checked = [...group.querySelectorAll("input:checked")].map((i) => i.value);
    values[group.dataset.field] = group.dataset.multi ? checked : (checked[0] || "");
  }
  return values;
}

function renderRow(m, row) {
  const node = el("div", { class: "row" });
  for (const comp of row.components || []) {
    const c = comp.component || {};
    const id = String(comp.id || "");
    if (comp.type === 1 || comp.type === undefined) {
      if (c.style === 5 && /^https?:\/\//.test(c.url || "")) {
        node.append(el("a", { class: "component style-5", href: c.url, target: "_blank", rel: "noopener noreferrer" }, c.label || id));
        continue;
      }
      node.append(el("button", {
        type: "button", class: `component style-${c.style || 1}`, dataset: { id }, disabled: c.disable || c.disabled,
        onclick: (event) => clickButton(m, id, event.target.closest(".msg")),
      }, c.label || id));
    } else if (comp.type === 2) {
      const multi = (c.max_options || 1) > 1;
      const select = el("select", {
        class: "component-select", dataset: { id }, multiple: multi, "aria-label": c.placeholder || id,
        onchange: (event) => selectValues(m, id, [...event.target.selectedOptions].map((o) => o.value)),
      }, multi ? null : el("option", { value: "", disabled: true, selected: true }, c.placeholder || "Choose…"),
      (c.options || []).map((o) => el("option", { value: o.value }, o.label)));
      node.append(select);
    } else {
      node.append(renderInput(comp));
    }
  }
  return node;
}

function renderReactions(m) {
  const box = el("div", { class: "reactions" });
  for (const r of m.reactions || []) {
    const mine = r.users.includes(state.me);
    box.append(el("button", {
      type: "button", class: "reaction" + (mine ? " mine" : ""), title: r.users.map(userName).join(", "),
      onclick: () => react(m, r.emoji, mine),
    }, `${r.emoji} ${r.count}`));
  }
  const palette = el("span", { class: "palette", hidden: true },
    PALETTE.map((e) => el("button", { type: "button", class: "add-reaction", onclick: () => react(m, e, false) }, e)));
  box.append(el("button", {
    type: "button", class: "add-reaction opener", title: "add a reaction",
    onclick: () => { palette.hidden = !palette.hidden; },
  }, "+🙂"), palette);
  return box;
}

// ------------------------------------------------------------------------------ actions

async function clickButton(m, buttonId, node) {
  const values = node ? formValues(node) : {};
  if (Object.keys(values).length) {
    await api("POST", "/submit", { as: state.me, message_id: m.id, button_id: buttonId, values });
  } else {
    await api("POST", "/click", { as: state.me, message_id: m.id, button_id: buttonId });
  }
}

async function selectValues(m, selectId, values) {
  await api("POST", "/select", { as: state.me, message_id: m.id, select_id: selectId, values });
}

async function react(m, emoji, remove) {
  const data = await api("POST", "/react", { as: state.me, message_id: m.id, emoji, remove });
  onMessageEvent(data.message);
}

async function editMessage(m) {
  const text = prompt("Edit message", (m.content && m.content.t) || "");
  if (text === null) return;
  const data = await api("POST", "/messages/edit", { as: state.me, message_id: m.id, text });
  onMessageEvent({ ...data.message, code: 1 });
}

async function deleteMessage(m) {
  if (!confirm("Delete this message?")) return;
  await api("POST", "/messages/delete", { as: state.me, message_id: m.id });
  onMessageEvent({ ...m, code: 2 });
}

async function send(event) {
  event.preventDefault();
  const box = $("#composer-text");
  const text = box.value;
  if (!text.trim()) return;
  const names = new Set(state.info.users.map((u) => u.username));
  const mentions = [...new Set([...text.matchAll(/@([\w.\-]+)/g)].map((h) => h[1]).filter((n) => names.has(n)))];
  const data = await api("POST", "/messages", { as: state.me, channel_id: state.channel, text, mentions });
  box.value = "";
  $("#mention-suggest").hidden = true;
  onMessageEvent(data.message);
}

// "@al" at the caret: offer the matching usernames; a click completes the mention.
function suggestMentions() {
  const box = $("#composer-text");
  const bar = $("#mention-suggest");
  const before = box.value.slice(0, box.selectionStart);
  const partial = /@([\w.\-]*)$/.exec(before);
  const matches = partial ? state.info.users.filter((u) => u.username.startsWith(partial[1])) : [];
  bar.hidden = !matches.length;
  bar.replaceChildren(...matches.map((u) => el("button", {
    type: "button", class: "mention-choice", onclick: () => {
      const start = before.length - partial[1].length;
      box.value = box.value.slice(0, start) + u.username + " " + box.value.slice(box.selectionStart);
      bar.hidden = true;
      box.focus();
    },
  }, "@" + u.username)));
}

async function tip(event) {
  event.preventDefault();
  const amount = parseInt($("#tip-amount").value, 10);
  const status = $("#tip-status");
  try {
    const data = await api("POST", "/transfer", { from: state.me, to: state.info.bot.id, amount, note: $("#tip-note").value });
    status.textContent = `sent ${amount} tokens (tx ${data.tx_hash.slice(0, 12)}…)`;
  } catch (error) {
    status.textContent = `failed: ${error.message}`;
  }
  await loadBalances();
}

async function openBotDm() {
  const data = await api("POST", "/dm", { as: state.me, with: state.info.bot.id });
  await loadInfo();
  await selectChannel(data.channel_id);
}

async function loadBalances() {
  state.balances = (await api("GET", "/balances")).balances;
  $("#balances").replaceChildren(...state.info.users.map((u) => el("tr", { dataset: { user: u.username } },
    el("td", {}, u.username + (u.id === state.me ? " (you)" : "")),
    el("td", { class: "amount" }, (state.balances[u.id] || 0).toLocaleString("en-US")))));
}

// ------------------------------------------------------------------------------ frames and events

function addFrame(event) {
  if ($("#hide-pings").checked && (event.name === "ping" || event.name === "pong")) return;
  const list = $("#frames");
  const arrow = event.dir === "in" ? "→" : "←";
  const who = event.dir === "in" ? userName(event.user_id)
    : "to " + ((event.to || []).map(userName).join(", ") || "nobody connected");
  const detail = el("pre", { hidden: true }, JSON.stringify(event.payload, null, 1));
  const item = el("li", { dataset: { dir: event.dir, name: event.name }, onclick: () => { detail.hidden = !detail.hidden; } },
    el("span", { class: `dir-${event.dir}` }, arrow), ` ${who} ${event.name}`, detail);
  list.append(item);
  while (list.children.length > MAX_FRAMES) list.firstChild.remove();
  list.scrollTop = list.scrollHeight;
}

let reloadTimer = null;
function reloadSoon(what) {
  reloadSoon.pending = new Set([...(reloadSoon.pending || []), what]);
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(async () => {
    const pending = reloadSoon.pending;
    reloadSoon.pending = new Set();
    if (pending.has("info") || pending.has("all")) await loadInfo();
    if (pending.has("balances") || pending.has("all")) await loadBalances();
    if (pending.has("messages") || pending.has("all")) await loadMessages();
  }, 50);
}

function connectEvents() {
  const source = new EventSource(`${API}/events?since=${state.info.feed_seq}`);
  source.onmessage = (raw) => {
    const event = JSON.parse(raw.data);
    switch (event.type) {
      case "message": onMessageEvent(event.message); break;
      case "frame": addFrame(event); break;
      case "balances": reloadSoon("balances"); break;
      case "directory": reloadSoon("info"); break;
      case "presence": reloadSoon("info"); break;
      case "reset": state.messages = new Map(); reloadSoon("all"); break;
    }
  };
  source.addEventListener("resync", () => reloadSoon("all"));
  source.addEventListener("hello", () => { document.body.dataset.live = "1"; });
}

async function main() {
  $("#composer").addEventListener("submit", send);
  $("#composer-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("#composer").requestSubmit(); }
  });
  $("#composer-text").addEventListener("input", suggestMentions);
  $("#tip-form").addEventListener("submit", tip);
  $("#dm-bot").addEventListener("click", openBotDm);
  $("#clear-frames").addEventListener("click", () => $("#frames").replaceChildren());
  $("#as-user").addEventListener("change", async (event) => {
    state.me = event.target.value;
    renderDirectory();
    const channel = channelOf(state.channel);
    if (channel && !visible(channel)) state.channel = state.info.default_channel;
    await loadMessages();
    await loadBalances();
  });
  await loadInfo();
  connectEvents();
  await loadBalances();
  await loadMessages();
  document.body.dataset.ready = "1";
}

main();
