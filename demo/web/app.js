// SPDX-License-Identifier: Apache-2.0
// The demo chat's page: choose a room, come in with the ID card (the Safer Chat page API),
// chat live over a WebSocket. Plain JavaScript, no build step. Every text comes from the
// server's tables (GET /api/config) in the child's language; everything shown that came from
// outside this file (names, messages) goes through textContent, never innerHTML.

const PAGE_API = '/page-api/saferchat.mjs';
const LANGUAGE_KEY = 'saferchat-demo-language';
const PIN_TIMEOUT_S = 120;

const $ = (id) => document.getElementById(id);

const state = {
  config: null,
  lang: 'en',
  room: null, // the chosen room's config entry
  refusal: null, // { id, message } while a refusal is shown
  you: null, // member id in the room
  socket: null,
  leaving: false,
};

// -- Texts ---------------------------------------------------------------------------------

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

function text(key, values = {}) {
  return fill(state.config.texts[state.lang][key] ?? key, values);
}

function roomName(room) {
  return `${text(`room_${room.id}`)} (${text('room_ages', { min: room.minAge, max: room.maxAge })})`;
}

function chooseLanguage() {
  const offered = state.config.languages;
  const fromUrl = new URLSearchParams(location.search).get('lang');
  const candidates = [fromUrl, localStorage.getItem(LANGUAGE_KEY), ...(navigator.languages ?? [])];
  for (const tag of candidates) {
    const primary = typeof tag === 'string' ? tag.split('-')[0].toLowerCase() : '';
    if (offered.includes(primary)) {
      return primary;
    }
  }
  return 'en';
}

function applyTexts() {
  document.documentElement.lang = state.lang;
  document.title = text('page_title');
  for (const element of document.querySelectorAll('[data-text]')) {
    element.textContent = text(element.dataset.text);
  }
  $('language').value = state.lang;
  $('message-input').placeholder = text('message_placeholder');
  renderRooms();
  if (state.refusal) {
    showRefusal(state.refusal.id, state.refusal.reason);
  }
  if (state.room && !$('room').hidden) {
    $('room-title').textContent = roomName(state.room);
  }
}

// -- Screens -------------------------------------------------------------------------------

function show(section) {
  for (const id of ['lobby', 'progress', 'refusal', 'room']) {
    $(id).hidden = id !== section;
  }
}

function progress(key) {
  $('progress-text').textContent = text(key);
  $('progress-text').dataset.key = key;
  show('progress');
}

function renderRooms() {
  const container = $('rooms');
  container.replaceChildren();
  for (const room of state.config.rooms) {
    const label = document.createElement('label');
    label.className = 'room-choice';
    label.id = `room-${room.id}`;
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'room';
    radio.value = room.id;
    radio.checked = state.room?.id === room.id;
    radio.addEventListener('change', () => {
      state.room = room;
    });
    const name = document.createElement('strong');
    name.textContent = text(`room_${room.id}`);
    const ages = document.createElement('span');
    ages.textContent = text('room_ages', { min: room.minAge, max: room.maxAge });
    label.append(radio, name, ages);
    container.append(label);
  }
}

// A refusal by id ("too_old"), in the current language, with the room's ages filled in.
// `reason`: what saferchatd or the page API said exactly (for grown-ups and tests; not shown).
function showRefusal(id, reason = '') {
  const table = state.config.refusals[state.lang];
  const entry = table[id] ?? table[state.config.defaultRefusal];
  state.refusal = { id: table[id] ? id : state.config.defaultRefusal, reason };
  $('refusal').dataset.refusal = state.refusal.id;
  $('refusal').dataset.reason = reason;
  // The card said no: trying again changes nothing, another room may.
  $('try-again').hidden = entry.final;
  $('refusal-title').textContent = entry.title;
  $('refusal-text').textContent = fill(entry.text, {
    min: state.room?.minAge ?? '?',
    max: state.room?.maxAge ?? '?',
  });
  show('refusal');
}

// -- Joining -------------------------------------------------------------------------------

async function postJson(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  const data = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, data };
}

async function join() {
  if (!state.room) {
    return;
  }
  state.refusal = null;
  progress('waiting_pin');
  let api;
  try {
    api = await import(PAGE_API);
  } catch {
    showRefusal('extension_missing');
    return;
  }
  let challenge;
  try {
    challenge = await postJson('/api/challenge', { room: state.room.id });
  } catch {
    challenge = { ok: false };
  }
  if (!challenge.ok) {
    showRefusal('service_unavailable');
    return;
  }
  let token;
  try {
    token = await api.authenticate(challenge.data.challengeNonce, {
      lang: state.lang,
      timeout: PIN_TIMEOUT_S,
    });
  } catch (error) {
    const code = typeof error?.code === 'string' ? error.code : '';
    showRefusal(state.config.pageApiErrors[code] ?? state.config.defaultRefusal, code);
    return;
  }
  progress('checking');
  let verdict;
  try {
    verdict = await postJson('/api/join', {
      room: state.room.id,
      challengeNonce: challenge.data.challengeNonce,
      token,
      lang: state.lang,
    });
  } catch {
    verdict = { ok: false, data: {} };
  }
  if (verdict.ok && verdict.data.verdict === 'accepted') {
    enterRoom();
  } else if (verdict.ok && verdict.data.verdict === 'rejected') {
    showRefusal(verdict.data.refusal, verdict.data.reason);
  } else {
    showRefusal('service_unavailable');
  }
}

// -- The room ------------------------------------------------------------------------------

function memberLabel(member) {
  return `${member.name}, ${text('age', { age: member.age })}`;
}

function renderMembers(members) {
  const list = $('members');
  list.replaceChildren();
  for (const member of members) {
    const item = document.createElement('li');
    item.dataset.member = member.id;
    item.textContent = memberLabel(member);
    if (member.id === state.you) {
      item.classList.add('you');
      const you = document.createElement('span');
      you.className = 'you-tag';
      you.textContent = ` (${text('you')})`;
      item.append(you);
    }
    list.append(item);
  }
}

function addLine(className, parts) {
  const item = document.createElement('li');
  item.className = className;
  item.append(...parts);
  $('messages').append(item);
  item.scrollIntoView({ block: 'end' });
}

function addMessage(event) {
  const who = document.createElement('span');
  who.className = 'from';
  who.textContent = `${event.from.name} (${event.from.age})`;
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = event.text;
  const time = document.createElement('time');
  const at = new Date(event.at);
  time.dateTime = at.toISOString();
  time.textContent = at.toLocaleTimeString(state.lang, { hour: '2-digit', minute: '2-digit' });
  addLine(event.from.id === state.you ? 'message mine' : 'message', [who, body, time]);
}

function addNotice(key, member) {
  const span = document.createElement('span');
  span.textContent = text(key, { name: member.name });
  addLine('notice-line', [span]);
}

function onEvent(event) {
  switch (event.type) {
    case 'welcome': {
      state.you = event.you;
      const me = event.members.find((m) => m.id === event.you);
      $('welcome').textContent = me ? text('welcome', { name: me.name }) : '';
      renderMembers(event.members);
      break;
    }
    case 'members':
      renderMembers(event.members);
      if (event.joined && event.joined.id !== state.you) {
        addNotice('joined', event.joined);
      }
      if (event.left && event.left.id !== state.you) {
        addNotice('left', event.left);
      }
      break;
    case 'message':
      addMessage(event);
      $('chat-error').textContent = '';
      break;
    case 'error':
      $('chat-error').textContent = text(`chat_error_${event.code}`);
      $('chat-error').dataset.code = event.code;
      break;
    case 'ended':
      state.leaving = true;
      $('chat-error').textContent = text('session_ended');
      break;
    default:
      break;
  }
}

function enterRoom() {
  state.refusal = null;
  state.leaving = false;
  $('room-title').textContent = roomName(state.room);
  $('messages').replaceChildren();
  $('chat-error').textContent = '';
  show('room');
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  state.socket = socket;
  socket.addEventListener('message', (message) => {
    try {
      onEvent(JSON.parse(message.data));
    } catch {
      // not ours: ignore
    }
  });
  socket.addEventListener('open', () => {
    document.body.dataset.connected = 'true';
  });
  socket.addEventListener('close', () => {
    document.body.dataset.connected = 'false';
    if (!state.leaving) {
      $('chat-error').textContent = text('connection_lost');
    }
  });
  $('message-input').focus();
}

function send(event) {
  event.preventDefault();
  const input = $('message-input');
  const value = input.value.trim();
  if (!value || !state.socket || state.socket.readyState !== WebSocket.OPEN) {
    return;
  }
  state.socket.send(JSON.stringify({ type: 'message', text: value }));
  input.value = '';
}

async function leave() {
  state.leaving = true;
  state.socket?.close();
  await postJson('/api/leave', {}).catch(() => undefined);
  state.you = null;
  show('lobby');
}

// -- Start ---------------------------------------------------------------------------------

async function start() {
  state.config = await (await fetch('/api/config')).json();
  state.lang = chooseLanguage();
  const wanted = new URLSearchParams(location.search).get('room');
  state.room = state.config.rooms.find((r) => r.id === wanted) ?? state.config.rooms[0];
  applyTexts();

  $('language').addEventListener('change', () => {
    state.lang = $('language').value;
    localStorage.setItem(LANGUAGE_KEY, state.lang);
    applyTexts();
  });
  $('join').addEventListener('click', join);
  $('try-again').addEventListener('click', join);
  $('other-room').addEventListener('click', () => {
    state.refusal = null;
    show('lobby');
  });
  $('composer').addEventListener('submit', send);
  $('leave').addEventListener('click', leave);

  // Already in a room (another tab, a reload): straight back in.
  const session = await (await fetch('/api/session', { credentials: 'same-origin' })).json();
  if (session.inRoom) {
    const data = session;
    state.room = state.config.rooms.find((r) => r.id === data.room) ?? state.room;
    enterRoom();
  } else {
    show('lobby');
  }
  document.body.dataset.ready = 'true';
}

start();
