/* kb-portal, agents' site: who is logged in, and the agents' tools on article pages.
 *
 * Every page: a bar with the agent's name and a log-out button. Article pages: reuse count,
 * customers' helpfulness and open flags; one-click copy of the customer-ready answer; link to a
 * ticket; flag for the writers. Changes send the session's CSRF token in X-CSRF-Token; the
 * session cookie itself is HttpOnly and never read here.
 */
(() => {
  "use strict";

  const TIMEOUT_MS = 5000;
  const apiBase = (
    document.querySelector('meta[name="kb-api"]')?.getAttribute("content") || "/api"
  ).replace(/\/+$/, "");

  /** Material's configuration knows where the site starts (/internal/ under `kb serve`). */
  function siteRoot() {
    const config = document.getElementById("__config");
    const base = config ? JSON.parse(config.textContent).base : "/";
    return new URL(String(base).replace(/\/?$/, "/"), location.href);
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    for (const child of children || []) node.append(child);
    return node;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
  }

  class Expired extends Error {}

  /** Call the API; resolves to [status, body]; Expired on 401, Error when it cannot answer. */
  async function call(method, endpoint, body, csrf) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (csrf) headers["X-CSRF-Token"] = csrf;
    const response = await fetch(`${apiBase}/${endpoint}`, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (response.status === 401) throw new Expired();
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (response.status >= 500) throw new Error(data?.error?.message || response.statusText);
    return [response.status, data];
  }

  function loginUrl() {
    const url = new URL("login", siteRoot());
    url.searchParams.set("next", location.pathname + location.search);
    return url.href;
  }

  function showBar(session, messages) {
    const form = el("form", { method: "post", action: new URL("logout", siteRoot()).href }, [
      el("input", { type: "hidden", name: "csrf_token", value: session.csrf_token || "" }),
      el("button", { type: "submit", class: "kb-agentbar__logout" }, [messages.logout]),
    ]);
    const bar = el("div", { class: "kb-agentbar", role: "region", "aria-label": messages.portal }, [
      el("strong", {}, [messages.portal]),
      el("span", { class: "kb-agentbar__who" }, [messages.signedIn + (session.name || "—")]),
      form,
    ]);
    const main = document.querySelector(".md-main");
    if (main) main.before(bar);
    else document.body.prepend(bar);
  }

  function panelMessages(panel) {
    const d = panel.dataset;
    return {
      reuse: d.msgReuse,
      helpful: d.msgHelpful,
      unrated: d.msgUnrated,
      flags: d.msgFlags,
      noFlags: d.msgNoFlags,
      copied: d.msgCopied,
      copyFailed: d.msgCopyFailed,
      details: d.msgDetails,
      linked: d.msgLinked,
      alreadyLinked: d.msgAlreadyLinked,
      flagged: d.msgFlagged,
      failed: d.msgFailed,
      offline: d.msgOffline,
      expired: d.msgExpired,
      signedIn: d.msgSignedIn,
      logout: d.msgLogout,
      portal: d.msgPortal,
    };
  }

  /** The bar's words: the article panel's language where there is one, else the page's. */
  const SITE_MESSAGES = {
    portal: "坐席门户 · Agents' portal",
    signedIn: "坐席 · Agent: ",
    logout: "退出登录 · Log out",
  };

  function flagNames(panel) {
    const names = {};
    for (const option of panel.querySelectorAll(".kb-agent__flag option")) {
      names[option.value] = option.textContent;
    }
    return names;
  }

  async function refreshStats(panel, messages) {
    const id = encodeURIComponent(panel.dataset.articleId);
    // Customers rate public articles only: an internal one has no ratings to ask for.
    const [[, use], [ratedStatus, rated]] = await Promise.all([
      call("GET", `articles/${id}/usage`),
      panel.dataset.publicUrl ? call("GET", `articles/${id}/ratings`) : [404, null],
    ]);
    const stats = panel.querySelector(".kb-agent__stats");
    const parts = [fill(messages.reuse, { n: use?.links ?? 0 })];
    const total = ratedStatus === 200 ? rated.helpful + rated.not_helpful : 0;
    parts.push(
      total ? fill(messages.helpful, { yes: rated.helpful, no: rated.not_helpful }) : messages.unrated,
    );
    const names = flagNames(panel);
    const open = Object.entries(use?.open_flags || {}).filter(([, n]) => n > 0);
    parts.push(
      open.length
        ? messages.flags + open.map(([kind, n]) => `${names[kind] || kind} × ${n}`).join("，")
        : messages.noFlags,
    );
    stats.replaceChildren(
      ...parts.flatMap((part, i) => (i ? [" · ", el("span", {}, [part])] : [el("span", {}, [part])])),
    );
  }

  function answerText(panel, messages) {
    let answer = panel.querySelector(".kb-agent__answer").textContent.trim();
    if (panel.dataset.publicUrl) {
      answer += `\n\n${messages.details}${new URL(panel.dataset.publicUrl, location.origin).href}`;
    }
    return answer;
  }

  async function copyAnswer(panel, messages, say) {
    const answer = answerText(panel, messages);
    try {
      await navigator.clipboard.writeText(answer);
      say(messages.copied);
    } catch {
      const preview = panel.querySelector(".kb-agent__preview");
      preview.open = true;
      const range = document.createRange();
      range.selectNodeContents(panel.querySelector(".kb-agent__answer"));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      say(messages.copyFailed);
    }
  }

  function wirePanel(panel, session) {
    const messages = panelMessages(panel);
    const status = panel.querySelector(".kb-agent__status");
    const say = (message) => {
      status.textContent = message;
    };
    const id = encodeURIComponent(panel.dataset.articleId);
    const guard = async (action) => {
      try {
        await action();
      } catch (error) {
        if (error instanceof Expired) {
          status.replaceChildren(el("a", { href: loginUrl() }, [messages.expired]));
        } else {
          say(messages.offline);
        }
      }
    };

    const copy = panel.querySelector(".kb-agent__copy");
    copy.hidden = false;
    copy.addEventListener("click", () => copyAnswer(panel, messages, say));

    const linkForm = panel.querySelector(".kb-agent__link");
    linkForm.hidden = false;
    linkForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const ticket = linkForm.elements.ticket_id.value.trim();
      guard(async () => {
        const [code, body] = await call(
          "POST", `articles/${id}/links`, { ticket_id: ticket }, session.csrf_token,
        );
        if (code === 201 || code === 200) {
          say(fill(code === 201 ? messages.linked : messages.alreadyLinked, { ticket }));
          linkForm.reset();
          await refreshStats(panel, messages);
        } else {
          say(fill(messages.failed, { message: body?.error?.message || code }));
        }
      });
    });

    const flagBox = panel.querySelector(".kb-agent__flag-box");
    const flagForm = panel.querySelector(".kb-agent__flag");
    flagBox.hidden = false;
    flagForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const note = flagForm.elements.note.value.trim();
      guard(async () => {
        const [code, body] = await call(
          "POST",
          `articles/${id}/flags`,
          { kind: flagForm.elements.kind.value, note: note || null },
          session.csrf_token,
        );
        if (code === 201) {
          say(messages.flagged);
          flagForm.reset();
          flagBox.open = false;
          await refreshStats(panel, messages);
        } else {
          say(fill(messages.failed, { message: body?.error?.message || code }));
        }
      });
    });

    guard(() => refreshStats(panel, messages));
  }

  async function start() {
    const panel = document.querySelector(".kb-agent[data-article-id]");
    let session;
    try {
      const [, body] = await call("GET", "agent/session");
      session = body;
    } catch (error) {
      if (error instanceof Expired) location.assign(loginUrl());
      return;
    }
    showBar(session, panel ? panelMessages(panel) : SITE_MESSAGES);
    if (panel) wirePanel(panel, session);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
