// OwnerBot playground: a tiny Telegram-like chat client for the local Bot API emulator.
// Vanilla JS, no build step. Message HTML comes pre-sanitised from the server (entities -> safe tags);
// everything else is put into the DOM with textContent.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const els = {
    messages: $("messages"),
    input: $("input"),
    send: $("send"),
    who: $("who"),
    voice: $("voice-file"),
    replyKb: $("reply-kb"),
    toast: $("toast"),
    status: $("status"),
    botName: $("bot-name"),
  };

  let config = { users: [] };
  try {
    config = JSON.parse($("pg-config").textContent || "{}");
  } catch (err) {
    config = { users: [] };
  }

  const state = {
    user: Number(els.who.value),
    version: -1,
    generation: 0,
    controller: null,
    pendingPresses: new Set(),
    shownAnswers: new Set(),
    lastRendered: "",
    typing: false,
  };

  // ---------------------------------------------------------------- helpers

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  let toastTimer = null;
  function toast(text, kind) {
    els.toast.textContent = text;
    els.toast.className = kind || "";
    els.toast.hidden = false;
    if (toastTimer) clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { els.toast.hidden = true; }, kind === "alert" ? 6000 : 3000);
  }
  els.toast.addEventListener("click", () => { els.toast.hidden = true; });

  async function postJSON(url, body) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(await errorText(res));
    return res.json();
  }

  async function errorText(res) {
    const text = await res.text();
    try {
      return JSON.parse(text).error || text;
    } catch (err) {
      return text || res.statusText;
    }
  }

  function formatTime(unix) {
    if (!unix) return "";
    const d = new Date(unix * 1000);
    return d.toLocaleTimeString("ru-RU", { hour: "2-digit", minute: "2-digit" });
  }

  function formatSize(bytes) {
    if (!bytes && bytes !== 0) return "";
    if (bytes < 1024) return bytes + " Б";
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " КБ";
    return (bytes / 1024 / 1024).toFixed(1) + " МБ";
  }

  // ---------------------------------------------------------------- rendering

  function renderMessage(m) {
    const bubble = el("div", "msg " + (m.from === "bot" ? "bot" : "user"));
    bubble.dataset.messageId = String(m.message_id);

    if (m.reply_to) {
      bubble.appendChild(el("div", "quote", m.reply_to.text || "…"));
    }
    if (m.photo) {
      const img = el("img", "photo");
      img.src = m.photo.url;
      img.alt = "Фото";
      img.loading = "lazy";
      bubble.appendChild(img);
    }
    if (m.document) {
      const link = el("a", "doc");
      link.href = m.document.url;
      link.setAttribute("download", m.document.file_name);
      link.appendChild(el("span", "doc-icon", "📄"));
      const info = el("span", "doc-info");
      info.appendChild(el("div", "doc-name", m.document.file_name));
      info.appendChild(el("div", "doc-size", formatSize(m.document.size)));
      link.appendChild(info);
      bubble.appendChild(link);
    }
    if (m.voice) {
      const audio = el("audio", "voice");
      audio.controls = true;
      audio.preload = "none";
      audio.src = m.voice.url;
      bubble.appendChild(audio);
      bubble.appendChild(el("div", "meta", "🎤 " + (m.voice.duration || 0) + " с"));
    }
    if (m.sticker) {
      bubble.appendChild(el("div", "sticker", m.sticker.emoji));
    }
    if (m.html) {
      const text = el("div", "text");
      text.innerHTML = m.html; // sanitised server-side: escaped text + a fixed set of tags
      text.querySelectorAll(".spoiler").forEach((s) =>
        s.addEventListener("click", () => s.classList.add("shown")));
      bubble.appendChild(text);
    }
    bubble.appendChild(el("div", "meta", (m.edited ? "изменено " : "") + formatTime(m.date)));

    if (m.keyboard && m.keyboard.length) {
      const kb = el("div", "kb");
      for (const row of m.keyboard) {
        const rowEl = el("div", "kb-row");
        for (const button of row) {
          const b = el("button", "", button.text);
          b.type = "button";
          if (button.callback_data !== undefined) {
            b.dataset.data = button.callback_data;
            b.addEventListener("click", () => press(m.message_id, button.callback_data, b));
          } else if (button.url) {
            b.textContent = button.text + " ↗";
            b.dataset.url = button.url;
            b.addEventListener("click", () => window.open(button.url, "_blank", "noopener"));
          } else {
            b.disabled = true;
          }
          rowEl.appendChild(b);
        }
        kb.appendChild(rowEl);
      }
      bubble.appendChild(kb);
    }
    return bubble;
  }

  function renderReplyKeyboard(rows) {
    els.replyKb.textContent = "";
    if (!rows || !rows.length) {
      els.replyKb.hidden = true;
      return;
    }
    for (const row of rows) {
      const rowEl = el("div", "rkb-row");
      for (const text of row) {
        const b = el("button", "rkb", text);
        b.type = "button";
        b.addEventListener("click", () => sendText(text));
        rowEl.appendChild(b);
      }
      els.replyKb.appendChild(rowEl);
    }
    els.replyKb.hidden = false;
  }

  function render(data) {
    if (data.bot && data.bot.first_name) els.botName.textContent = data.bot.first_name;
    els.status.textContent = data.typing ? "печатает…" : "бот";
    els.status.classList.toggle("typing", Boolean(data.typing));

    const key = JSON.stringify([data.messages, data.reply_keyboard]);
    if (key !== state.lastRendered) {
      state.lastRendered = key;
      const box = els.messages;
      const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
      box.textContent = "";
      if (!data.messages.length) {
        box.appendChild(el("div", "empty", "Напишите /start, чтобы начать"));
      }
      for (const m of data.messages) box.appendChild(renderMessage(m));
      renderReplyKeyboard(data.reply_keyboard);
      if (nearBottom || state.version < 0) box.scrollTop = box.scrollHeight;
    }

    for (const [queryId, answer] of Object.entries(data.answers || {})) {
      if (!state.pendingPresses.has(queryId) || state.shownAnswers.has(queryId)) continue;
      state.pendingPresses.delete(queryId);
      state.shownAnswers.add(queryId);
      if (answer.text) toast(answer.text, answer.show_alert ? "alert" : "");
    }
  }

  // ---------------------------------------------------------------- polling

  async function pollLoop(generation) {
    while (generation === state.generation) {
      const controller = new AbortController();
      state.controller = controller;
      // "typing…" expires without a history change, so re-check it sooner while it is shown.
      const wait = state.version < 0 ? 0 : state.typing ? 5 : 25;
      const url = `/pg/api/chat?user=${state.user}&after=${state.version}&wait=${wait}`;
      try {
        const res = await fetch(url, { signal: controller.signal, cache: "no-store" });
        if (!res.ok) throw new Error(await errorText(res));
        const data = await res.json();
        if (generation !== state.generation) return;
        render(data);
        state.version = data.version;
        state.typing = Boolean(data.typing);
      } catch (err) {
        if (generation !== state.generation || controller.signal.aborted) return;
        els.status.textContent = "нет связи…";
        await delay(700);
      }
    }
  }

  function restartPolling() {
    state.generation += 1;
    if (state.controller) state.controller.abort();
    state.version = -1;
    state.lastRendered = "";
    pollLoop(state.generation);
  }

  // ---------------------------------------------------------------- user actions

  async function sendText(text) {
    const value = (text || "").trim();
    if (!value) return false;
    try {
      await postJSON("/pg/api/send", { user: state.user, text: value });
      return true;
    } catch (err) {
      toast("Не отправлено: " + err.message, "error");
      return false;
    }
  }

  async function sendFromInput() {
    const text = els.input.value;
    if (!text.trim()) return;
    els.send.disabled = true;
    try {
      if (await sendText(text)) {
        els.input.value = "";
        autoGrow();
      }
    } finally {
      els.send.disabled = false;
      els.input.focus();
    }
  }

  async function press(messageId, data, button) {
    button.classList.add("pressed");
    try {
      const res = await postJSON("/pg/api/press", { user: state.user, message_id: messageId, data: data });
      state.pendingPresses.add(res.callback_query_id);
    } catch (err) {
      button.classList.remove("pressed");
      toast("Кнопка не сработала: " + err.message, "error");
    }
  }

  function audioDuration(file) {
    return new Promise((resolve) => {
      const audio = document.createElement("audio");
      const url = URL.createObjectURL(file);
      let settled = false;
      const done = (value) => {
        if (settled) return;
        settled = true;
        URL.revokeObjectURL(url);
        resolve(Number.isFinite(value) && value > 0 ? value : 1);
      };
      audio.preload = "metadata";
      audio.addEventListener("loadedmetadata", () => done(audio.duration));
      audio.addEventListener("error", () => done(1));
      setTimeout(() => done(1), 3000);
      audio.src = url;
    });
  }

  async function sendVoice() {
    const file = els.voice.files && els.voice.files[0];
    if (!file) return;
    try {
      const form = new FormData();
      form.append("user", String(state.user));
      form.append("duration", String(Math.max(1, Math.round(await audioDuration(file)))));
      form.append("file", file, file.name || "voice.ogg");
      const res = await fetch("/pg/api/voice", { method: "POST", body: form });
      if (!res.ok) throw new Error(await errorText(res));
    } catch (err) {
      toast("Голосовое не отправлено: " + err.message, "error");
    } finally {
      els.voice.value = "";
    }
  }

  function autoGrow() {
    els.input.style.height = "auto";
    els.input.style.height = Math.min(els.input.scrollHeight, 140) + "px";
  }

  // ---------------------------------------------------------------- wiring

  els.send.addEventListener("click", sendFromInput);
  els.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendFromInput();
    }
  });
  els.input.addEventListener("input", autoGrow);
  els.voice.addEventListener("change", sendVoice);
  els.who.addEventListener("change", () => {
    state.user = Number(els.who.value);
    state.pendingPresses.clear();
    restartPolling();
    els.input.focus();
  });

  if (!els.who.options.length && config.users) {
    for (const user of config.users) {
      const option = el("option", "", user.label);
      option.value = String(user.id);
      els.who.appendChild(option);
    }
    state.user = Number(els.who.value);
  }

  restartPolling();
  els.input.focus();
})();
