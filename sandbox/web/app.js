// The KoSiZu sandbox chat page: personas, one chat the way Telegram shows it, the clock.
// Plain DOM, no framework. Every string from the server goes in via textContent except a
// message's "html", which sandbox/rendering.py already made safe.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

  const els = {
    connection: $("connection"),
    banner: $("fictional-banner"),
    clockNow: $("clock-now"),
    clockOffset: $("clock-offset"),
    clockButtons: Array.from(document.querySelectorAll("[data-advance]")),
    personaList: $("persona-list"),
    newUserForm: $("new-user-form"),
    newUserName: $("new-user-name"),
    newUserLanguage: $("new-user-language"),
    chat: $("chat"),
    chatTitle: $("chat-title"),
    chatLanguage: $("chat-language"),
    chatEmpty: $("chat-empty"),
    messages: $("messages"),
    composerForm: $("composer-form"),
    composer: $("composer"),
    send: $("send"),
    attach: $("attach"),
    commandsButton: $("commands-button"),
    commandMenu: $("command-menu"),
    commandList: $("command-list"),
    toast: $("toast"),
  };

  const LANGUAGES = { de: "Deutsch", en: "English", fr: "Français", tr: "Türkçe", ar: "العربية" };
  const SAFE_SCHEMES = ["http:", "https:", "tg:", "mailto:", "tel:"];

  const state = {
    personas: [],
    selected: null, // persona id
    chat: null, // last GET /api/chats/{id}
    rendered: new Map(), // message key -> {el, signature}
    clock: null, // {now, offset}
    chatRequest: 0, // guards against a slow response for a previously selected persona
    sending: false,
  };

  // ------------------------------------------------------------------ server

  async function api(method, path, body) {
    const options = { method, headers: { Accept: "application/json" } };
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    const raw = await response.text();
    let data = null;
    try {
      data = raw ? JSON.parse(raw) : null;
    } catch (_) {
      data = null;
    }
    if (!response.ok) {
      // The server explains refusals in plain text ("nothing is scheduled"); show that.
      const reason = (data && (data.error || data.description || data.message)) || raw.trim() || response.statusText;
      throw new Error(reason.length > 300 ? `${reason.slice(0, 300)}…` : reason);
    }
    return data;
  }

  // ------------------------------------------------------------------ toast

  let toastTimer = 0;
  function toast(text, kind = "info") {
    els.toast.textContent = text;
    els.toast.dataset.kind = kind;
    els.toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => {
      els.toast.hidden = true;
    }, kind === "error" ? 8000 : 4000);
  }

  function fail(error) {
    console.error(error);
    toast(error && error.message ? error.message : String(error), "error");
  }

  // ------------------------------------------------------------------ time

  // Times are shown in the network's local time (the UTC offset of clock.now), not the
  // browser's, so the page agrees with what the bot writes ("tomorrow at 18:00").
  function networkOffsetMinutes() {
    const match = state.clock && /([+-])(\d{2}):?(\d{2})$/.exec(state.clock.now);
    if (!match) return state.clock && /Z$/.test(state.clock.now) ? 0 : -new Date().getTimezoneOffset();
    const minutes = Number(match[2]) * 60 + Number(match[3]);
    return match[1] === "-" ? -minutes : minutes;
  }

  const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (n) => String(n).padStart(2, "0");

  // A Date whose UTC fields are the network's wall-clock fields.
  function networkWallClock(unixSeconds) {
    return new Date((unixSeconds + networkOffsetMinutes() * 60) * 1000);
  }

  function dayKey(d) {
    return `${d.getUTCFullYear()}-${d.getUTCMonth()}-${d.getUTCDate()}`;
  }

  function nowUnix() {
    const parsed = state.clock ? Date.parse(state.clock.now) : NaN;
    return Number.isNaN(parsed) ? Date.now() / 1000 : parsed / 1000;
  }

  function formatMessageTime(unixSeconds) {
    const d = networkWallClock(unixSeconds);
    const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    if (dayKey(d) === dayKey(networkWallClock(nowUnix()))) return time;
    return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${time}`;
  }

  function formatClock(iso) {
    const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(iso);
    if (!match) return iso;
    const [, y, mo, d, h, mi, zone] = match;
    const weekday = WEEKDAYS[new Date(Date.UTC(+y, +mo - 1, +d)).getUTCDay()];
    const utc = !zone || zone === "Z" ? "UTC" : `UTC${zone}`;
    return `${weekday} ${+d} ${MONTHS[+mo - 1]} ${y}, ${h}:${mi} (${utc})`;
  }

  function formatSize(bytes) {
    if (!Number.isFinite(bytes) || bytes < 0) return "";
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
    return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  }

  // ------------------------------------------------------------------ clock

  function renderClock(clock) {
    if (!clock) return;
    state.clock = clock;
    els.clockNow.textContent = formatClock(clock.now);
    els.clockNow.dateTime = clock.now;
    const moved = clock.offset && !/^\+?0\s*h$/.test(clock.offset.trim());
    els.clockOffset.textContent = clock.offset ? `clock moved ${clock.offset}` : "";
    els.clockOffset.classList.toggle("moved", Boolean(moved));
  }

  async function advanceClock(button) {
    const advance = button.dataset.advance;
    els.clockButtons.forEach((b) => (b.disabled = true));
    try {
      const result = await api("POST", "/api/clock", { advance });
      renderClock({ now: result.now, offset: result.offset });
      if (advance === "next") {
        toast(result.jumped_to ? `Jumped to ${result.jumped_to}` : "Nothing scheduled ahead.");
      } else {
        toast(`Clock: ${formatClock(result.now)}`);
      }
      refresh();
    } catch (error) {
      fail(error);
    } finally {
      els.clockButtons.forEach((b) => (b.disabled = false));
    }
  }

  // ------------------------------------------------------------------ personas

  async function loadPersonas() {
    const data = await api("GET", "/api/personas");
    state.personas = data.personas || [];
    renderClock(data.clock);
    if (data.fictional_note) els.banner.textContent = data.fictional_note;
    renderPersonas();
  }

  function renderPersonas() {
    const focusedId = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.personaId
      : undefined;
    const items = state.personas.map((p) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "persona";
      button.dataset.testid = `persona-${p.id}`;
      button.dataset.personaId = String(p.id);
      if (p.id === state.selected) button.setAttribute("aria-current", "true");

      const top = document.createElement("span");
      top.className = "persona-top";
      const name = document.createElement("span");
      name.className = "persona-name";
      name.textContent = p.name;
      const language = document.createElement("span");
      language.className = "persona-language";
      language.textContent = p.language;
      language.title = LANGUAGES[p.language] || p.language;
      top.append(name, language);
      if (p.unread > 0) {
        const badge = document.createElement("span");
        badge.className = "unread";
        badge.dataset.testid = `unread-${p.id}`;
        badge.textContent = String(p.unread);
        badge.setAttribute("aria-label", `${p.unread} unread`);
        top.append(badge);
      }
      button.append(top);
      if (p.description) {
        const description = document.createElement("span");
        description.className = "persona-description";
        description.textContent = p.description;
        button.append(description);
      }
      button.addEventListener("click", () => selectPersona(p.id));
      li.append(button);
      return li;
    });
    els.personaList.replaceChildren(...items);
    if (focusedId !== undefined) {
      const again = els.personaList.querySelector(`[data-persona-id="${CSS.escape(focusedId)}"]`);
      if (again) again.focus();
    }
  }

  async function createPersona(event) {
    event.preventDefault();
    const name = els.newUserName.value.trim();
    if (!name) {
      els.newUserName.focus();
      toast("Please enter a name for the new user.", "error");
      return;
    }
    const submit = els.newUserForm.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const result = await api("POST", "/api/personas", { name, language: els.newUserLanguage.value });
      els.newUserName.value = "";
      await loadPersonas();
      await selectPersona(result.id);
      els.composer.focus();
    } catch (error) {
      fail(error);
    } finally {
      submit.disabled = false;
    }
  }

  async function selectPersona(id) {
    if (state.selected !== id) {
      state.selected = id;
      state.chat = null;
      state.rendered.clear();
      els.messages.replaceChildren();
      els.composer.value = "";
      closeCommandMenu(false);
      history.replaceState(null, "", `#persona-${id}`);
      renderPersonas();
    }
    setComposerEnabled(true);
    try {
      await loadChat();
      // Opening a chat marks it read on the server: refresh the badges.
      await loadPersonas();
    } catch (error) {
      fail(error);
    }
  }

  // ------------------------------------------------------------------ chat

  async function loadChat() {
    if (state.selected === null) return;
    const id = state.selected;
    const request = ++state.chatRequest;
    const chat = await api("GET", `/api/chats/${encodeURIComponent(id)}`);
    if (request !== state.chatRequest || id !== state.selected) return; // superseded
    state.chat = chat;
    renderChat(chat);
  }

  function setComposerEnabled(enabled) {
    for (const el of [els.composer, els.send, els.attach, els.commandsButton]) el.disabled = !enabled;
  }

  function renderChat(chat) {
    els.chatEmpty.hidden = true;
    els.chatTitle.textContent = chat.name;
    els.chatLanguage.textContent = LANGUAGES[chat.language] || chat.language || "";
    els.chat.dir = chat.rtl ? "rtl" : "ltr";
    els.messages.lang = chat.language || "";
    els.commandsButton.disabled = !(chat.commands && chat.commands.length);

    // Keep keyboard focus on the "same" button when the bot edits the message under it.
    const focus = describeFocus();
    const nearBottom = els.messages.scrollHeight - els.messages.scrollTop - els.messages.clientHeight < 80;
    const today = dayKey(networkWallClock(nowUnix()));
    const seen = new Set();
    let previous = null;
    let added = 0;
    for (const message of chat.messages || []) {
      if (message.deleted) continue;
      seen.add(message.key);
      const signature = JSON.stringify([message, today]);
      let entry = state.rendered.get(message.key);
      if (!entry) {
        entry = { el: renderMessage(message), signature };
        state.rendered.set(message.key, entry);
        added += 1;
      } else if (entry.signature !== signature) {
        const el = renderMessage(message);
        entry.el.replaceWith(el);
        entry.el = el;
        entry.signature = signature;
      }
      const expectedAt = previous ? previous.nextSibling : els.messages.firstChild;
      if (expectedAt !== entry.el) els.messages.insertBefore(entry.el, expectedAt);
      previous = entry.el;
    }
    for (const [key, entry] of state.rendered) {
      if (!seen.has(key)) {
        entry.el.remove();
        state.rendered.delete(key);
      }
    }
    restoreFocus(focus);
    if (added > 0 || nearBottom) scrollToNewest();
  }

  function scrollToNewest() {
    const last = els.messages.lastElementChild;
    els.messages.scrollTop = els.messages.scrollHeight;
    if (last) last.scrollIntoView({ block: "end" });
  }

  function describeFocus() {
    const active = document.activeElement;
    if (!active || !els.messages.contains(active)) return null;
    const item = active.closest("[data-key]");
    if (!item) return null;
    const focusable = Array.from(item.querySelectorAll("button, a[href], [tabindex]"));
    return { key: item.dataset.key, index: focusable.indexOf(active) };
  }

  function restoreFocus(focus) {
    if (!focus || els.messages.contains(document.activeElement)) return;
    const entry = state.rendered.get(focus.key);
    if (!entry) return;
    const focusable = Array.from(entry.el.querySelectorAll("button, a[href], [tabindex]"));
    const target = focusable[focus.index] || focusable[0];
    if (target) target.focus({ preventScroll: true });
  }

  function renderMessage(message) {
    const li = document.createElement("li");
    li.className = `message from-${message.from === "user" ? "user" : "bot"}`;
    li.dataset.testid = "message";
    li.dataset.from = message.from === "user" ? "user" : "bot";
    li.dataset.key = message.key;
    li.dataset.messageId = String(message.message_id);
    if (message.edited) li.dataset.edited = "true";

    const bubble = document.createElement("div");
    bubble.className = "bubble";

    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = message.from === "user" ? "You: " : "Bot: ";
    bubble.append(who);

    if (message.file) bubble.append(renderFile(message.file));

    if (message.html) {
      const text = document.createElement("div");
      text.className = "text";
      text.dir = "auto";
      text.innerHTML = message.html; // safe: produced by sandbox/rendering.py
      enhanceText(text);
      bubble.append(text);
    } else if (!message.file) {
      const empty = document.createElement("div");
      empty.className = "text muted";
      empty.textContent = "(no text)";
      bubble.append(empty);
    }

    const meta = document.createElement("div");
    meta.className = "meta";
    if (message.edited) {
      const edited = document.createElement("span");
      edited.className = "edited";
      edited.dataset.testid = "edited";
      edited.textContent = "edited";
      meta.append(edited);
    }
    const time = document.createElement("time");
    time.dateTime = new Date(message.date * 1000).toISOString();
    time.textContent = formatMessageTime(message.date);
    meta.append(time);
    bubble.append(meta);
    li.append(bubble);

    if (message.buttons && message.buttons.length) li.append(renderKeyboard(message));
    return li;
  }

  function enhanceText(container) {
    // Spoilers and expandable quotes open on click or Enter/Space, like in Telegram.
    for (const el of container.querySelectorAll(".spoiler, blockquote.expandable")) {
      const isSpoiler = el.classList.contains("spoiler");
      el.tabIndex = 0;
      el.setAttribute("role", "button");
      el.setAttribute("aria-expanded", "false");
      if (isSpoiler) el.setAttribute("aria-label", "Spoiler, press to reveal");
      const toggle = () => {
        const open = !el.classList.contains("revealed");
        el.classList.toggle("revealed", open);
        el.setAttribute("aria-expanded", String(open));
        if (isSpoiler && open) el.removeAttribute("aria-label");
      };
      el.addEventListener("click", (event) => {
        if (event.target.closest("a") && el.classList.contains("revealed")) return;
        event.preventDefault();
        toggle();
      });
      el.addEventListener("keydown", (event) => {
        if (event.target !== el || (event.key !== "Enter" && event.key !== " ")) return;
        event.preventDefault();
        toggle();
      });
    }
  }

  function renderFile(file) {
    const wrap = document.createElement("div");
    wrap.className = "file";
    if (file.image) {
      const link = document.createElement("a");
      link.href = file.url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      const img = document.createElement("img");
      img.src = file.url;
      img.alt = file.filename || "image";
      img.loading = "lazy";
      img.addEventListener("load", () => {
        // Images load after the scroll to the bottom: keep the newest message in view.
        if (img.closest("li") === els.messages.lastElementChild) scrollToNewest();
      });
      link.append(img);
      wrap.append(link);
      return wrap;
    }
    const link = document.createElement("a");
    link.className = "download";
    link.dataset.testid = "file-download";
    link.href = file.url;
    link.download = file.filename || "";
    const icon = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    icon.setAttribute("class", "icon");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "2");
    path.setAttribute("stroke-linejoin", "round");
    path.setAttribute("d", "M14 3H6a1 1 0 0 0-1 1v16a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V8zM14 3v5h5M12 11v6m-3-3l3 3 3-3");
    icon.append(path);
    const name = document.createElement("span");
    name.className = "file-name";
    name.textContent = file.filename || "file";
    link.append(icon, name);
    const details = document.createElement("span");
    details.className = "file-details";
    details.textContent = [formatSize(file.size), file.mime_type].filter(Boolean).join(" · ");
    wrap.append(link, details);
    return wrap;
  }

  function renderKeyboard(message) {
    const keyboard = document.createElement("div");
    keyboard.className = "keyboard";
    keyboard.setAttribute("role", "group");
    keyboard.setAttribute("aria-label", "Buttons of this message");
    for (const row of message.buttons) {
      const rowEl = document.createElement("div");
      rowEl.className = "keyboard-row";
      for (const spec of row) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "inline-button";
        button.dataset.testid = "inline-button";
        button.textContent = spec.text;
        if (spec.url) {
          button.classList.add("url-button");
          button.title = `Opens ${spec.url} in a new tab`;
          button.addEventListener("click", () => openUrl(spec.url));
        } else if (spec.data !== null && spec.data !== undefined) {
          button.dataset.data = spec.data;
          button.addEventListener("click", () => tap(message, spec, button));
        } else {
          button.disabled = true;
          button.title = "This kind of button does nothing in the sandbox";
        }
        rowEl.append(button);
      }
      keyboard.append(rowEl);
    }
    return keyboard;
  }

  function openUrl(url) {
    let parsed;
    try {
      parsed = new URL(url, location.href);
    } catch (_) {
      toast(`Not a valid link: ${url}`, "error");
      return;
    }
    if (!SAFE_SCHEMES.includes(parsed.protocol)) {
      toast(`Link not opened (unsupported scheme): ${url}`, "error");
      return;
    }
    window.open(parsed.href, "_blank", "noopener,noreferrer");
  }

  async function tap(message, spec, button) {
    if (state.selected === null) return;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      const result = await api("POST", `/api/chats/${encodeURIComponent(state.selected)}/tap`, {
        message_id: message.message_id,
        data: spec.data,
      });
      if (result && result.answer) toast(result.answer);
      await loadChat();
    } catch (error) {
      fail(error);
    } finally {
      // The button may have been replaced by an edit meanwhile; this is then harmless.
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }

  // ------------------------------------------------------------------ composer

  async function sendText(text) {
    if (state.selected === null || state.sending) return false;
    const trimmed = text.trim();
    if (!trimmed) return false;
    state.sending = true;
    els.send.disabled = true;
    try {
      await api("POST", `/api/chats/${encodeURIComponent(state.selected)}/text`, { text: trimmed });
      await loadChat();
      return true;
    } catch (error) {
      fail(error);
      return false;
    } finally {
      state.sending = false;
      els.send.disabled = state.selected === null;
    }
  }

  async function submitComposer(event) {
    if (event) event.preventDefault();
    const text = els.composer.value;
    closeCommandMenu(false);
    if (await sendText(text)) {
      // Only clear what was sent: the user may have typed on meanwhile.
      if (els.composer.value === text) els.composer.value = "";
      autosize();
    }
    els.composer.focus();
  }

  function autosize() {
    els.composer.style.height = "auto";
    els.composer.style.height = `${Math.min(els.composer.scrollHeight, 160)}px`;
  }

  async function uploadFile() {
    const file = els.attach.files && els.attach.files[0];
    if (!file || state.selected === null) return;
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      await api("POST", `/api/chats/${encodeURIComponent(state.selected)}/document`, form);
      await loadChat();
    } catch (error) {
      fail(error);
    } finally {
      els.attach.value = "";
    }
  }

  // ------------------------------------------------------------------ command menu

  function commandOptions() {
    return Array.from(els.commandList.querySelectorAll("button"));
  }

  function openCommandMenu(filter, focusFirst) {
    const commands = (state.chat && state.chat.commands) || [];
    const prefix = (filter || "").replace(/^\//, "").toLowerCase();
    const matching = commands.filter((c) => c.command.toLowerCase().startsWith(prefix));
    if (!matching.length) {
      closeCommandMenu(false);
      return;
    }
    const items = matching.map((c) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "command-option";
      button.dataset.testid = "command-option";
      button.dataset.command = `/${c.command}`;
      const name = document.createElement("span");
      name.className = "command-name";
      name.textContent = `/${c.command}`;
      const description = document.createElement("span");
      description.className = "command-description";
      description.textContent = c.description || "";
      button.append(name, description);
      button.addEventListener("click", () => pickCommand(`/${c.command}`));
      li.append(button);
      return li;
    });
    els.commandList.replaceChildren(...items);
    els.commandMenu.hidden = false;
    els.commandsButton.setAttribute("aria-expanded", "true");
    if (focusFirst) commandOptions()[0].focus();
  }

  function closeCommandMenu(returnFocus) {
    if (els.commandMenu.hidden) return;
    els.commandMenu.hidden = true;
    els.commandsButton.setAttribute("aria-expanded", "false");
    if (returnFocus) els.composer.focus();
  }

  async function pickCommand(command) {
    closeCommandMenu(false);
    // Telegram sends a command from the menu at once.
    if (els.composer.value.trim().startsWith("/")) els.composer.value = "";
    autosize();
    await sendText(command);
    els.composer.focus();
  }

  function onCommandMenuKey(event) {
    const options = commandOptions();
    const index = options.indexOf(document.activeElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      const next = index + step;
      if (next < 0) els.composer.focus();
      else options[Math.min(next, options.length - 1)].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      closeCommandMenu(true);
    } else if (event.key === "Home" && options.length) {
      event.preventDefault();
      options[0].focus();
    } else if (event.key === "End" && options.length) {
      event.preventDefault();
      options[options.length - 1].focus();
    }
  }

  function onComposerKey(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitComposer();
    } else if (event.key === "ArrowDown" && !els.commandMenu.hidden) {
      event.preventDefault();
      const first = commandOptions()[0];
      if (first) first.focus();
    } else if (event.key === "Escape" && !els.commandMenu.hidden) {
      event.preventDefault();
      closeCommandMenu(true);
    }
  }

  function onComposerInput() {
    autosize();
    const value = els.composer.value;
    if (/^\/[A-Za-z0-9_]*$/.test(value)) openCommandMenu(value, false);
    else closeCommandMenu(false);
  }

  // ------------------------------------------------------------------ live updates

  let refreshing = false;
  let refreshAgain = false;

  // Coalesces bursts of events: at most one refresh in flight, plus one queued.
  async function refresh() {
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshing = true;
    try {
      do {
        refreshAgain = false;
        await Promise.all([loadPersonas(), loadChat()]);
      } while (refreshAgain);
    } catch (error) {
      console.error(error);
    } finally {
      refreshing = false;
    }
  }

  let lastVersion = -1;
  let retryDelay = 1000;

  function setConnection(text, ok) {
    els.connection.textContent = text;
    els.connection.dataset.state = ok ? "live" : "offline";
  }

  function connect() {
    if (!("EventSource" in window)) {
      setConnection("No live updates in this browser", false);
      return;
    }
    const source = new EventSource("/api/stream");
    source.onopen = () => {
      retryDelay = 1000;
      setConnection("Live", true);
      refresh(); // catch up on anything missed while disconnected
    };
    source.onmessage = (event) => {
      let version = null;
      try {
        version = JSON.parse(event.data).version;
      } catch (_) {
        version = null;
      }
      if (typeof version === "number") {
        if (version === lastVersion) return;
        lastVersion = version;
      }
      refresh();
    };
    source.onerror = () => {
      setConnection("Reconnecting…", false);
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. the server answered with an error): retry ourselves.
        source.close();
        setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 15000);
      }
    };
  }

  // ------------------------------------------------------------------ wiring

  function init() {
    els.clockButtons.forEach((button) => button.addEventListener("click", () => advanceClock(button)));
    els.newUserForm.addEventListener("submit", createPersona);
    els.composerForm.addEventListener("submit", submitComposer);
    els.composer.addEventListener("keydown", onComposerKey);
    els.composer.addEventListener("input", onComposerInput);
    els.attach.addEventListener("change", uploadFile);
    els.commandsButton.addEventListener("click", () => {
      if (els.commandMenu.hidden) openCommandMenu("", true);
      else closeCommandMenu(true);
    });
    els.commandMenu.addEventListener("keydown", onCommandMenuKey);
    document.addEventListener("click", (event) => {
      if (!els.commandMenu.hidden && !event.target.closest("#command-menu, #commands-button, #composer")) {
        closeCommandMenu(false);
      }
    });
    // Commands inside bot messages (<a class="command">) are sent when clicked.
    els.messages.addEventListener("click", (event) => {
      const link = event.target.closest("a.command");
      if (!link || !els.messages.contains(link)) return;
      event.preventDefault();
      sendText(link.dataset.command || link.textContent || "");
    });

    const fromHash = /^#persona-(-?\d+)$/.exec(location.hash);
    loadPersonas()
      .then(() => {
        if (fromHash && state.personas.some((p) => p.id === Number(fromHash[1]))) {
          return selectPersona(Number(fromHash[1]));
        }
        return undefined;
      })
      .catch(fail);
    connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
