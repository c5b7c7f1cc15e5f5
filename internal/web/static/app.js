// Progressive enhancement for Troupe's pages: everything works without
// this file; with it, forms give instant feedback and messages appear as
// toasts.
(function () {
  "use strict";

  // Lets the stylesheet hide what only matters without JavaScript.
  document.documentElement.classList.add("js");

  // Show a spinner on the submit button and prevent double submits.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    var button = event.submitter || form.querySelector("button[type=submit]");
    if (!button) return;
    if (button.getAttribute("aria-busy") === "true") {
      event.preventDefault();
      return;
    }
    button.setAttribute("aria-busy", "true");
    // Restore the button if the page comes back from the cache.
    window.addEventListener("pageshow", function () { button.removeAttribute("aria-busy"); }, { once: true });
  });

  // Inline validation: explain a field's problem when it loses focus, in
  // the page's language, using the messages the server rendered for the
  // browser's built-in checks.
  var messages = {
    en: { valueMissing: "This field is required.", typeMismatch: "Enter a valid email address, like name@example.com.", tooShort: "Use at least 10 characters." },
    fr: { valueMissing: "Ce champ est obligatoire.", typeMismatch: "Saisissez une adresse e-mail valide, comme nom@exemple.fr.", tooShort: "Utilisez au moins 10 caractères." }
  };
  var lang = messages[document.documentElement.lang] || messages.en;

  function problem(input) {
    var v = input.validity;
    if (v.valueMissing) return lang.valueMissing;
    if (v.typeMismatch) return lang.typeMismatch;
    if (v.tooShort || (input.minLength > 0 && input.value.length > 0 && input.value.length < input.minLength)) return lang.tooShort;
    return "";
  }

  function show(input, text) {
    var id = input.id + "-error";
    var el = document.getElementById(id);
    // An error takes the hint's place, as on the server's pages: the two
    // would say the same thing twice.
    var hint = document.getElementById(input.id + "-hint");
    if (hint) hint.hidden = !!text;
    if (!text) {
      if (el && el.dataset.live) { el.remove(); input.removeAttribute("aria-invalid"); }
      return;
    }
    if (!el) {
      el = document.createElement("p");
      el.className = "field-error";
      el.id = id;
      el.dataset.live = "1";
      (input.closest(".field") || input.parentNode).appendChild(el);
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(id) < 0) described.push(id);
      input.setAttribute("aria-describedby", described.join(" "));
    }
    el.textContent = text;
    input.setAttribute("aria-invalid", "true");
  }
  // Shared with the page scripts further down.
  window.Troupe = window.Troupe || {};
  window.Troupe.fieldError = show;

  document.addEventListener("focusout", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.form || !input.form.hasAttribute("novalidate")) return;
    if (input.value === "" && !input.dataset.touched) return;
    input.dataset.touched = "1";
    show(input, problem(input));
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("novalidate")) return;
    var first = null;
    form.querySelectorAll("input[required]").forEach(function (input) {
      var text = problem(input);
      show(input, text);
      if (text && !first) first = input;
    });
    if (first) {
      event.preventDefault();
      event.stopImmediatePropagation();
      first.focus();
    }
  }, true);

  // Success messages rendered as banners become toasts that fade out.
  document.addEventListener("DOMContentLoaded", function () {
    var region = document.querySelector(".toast-region");
    document.querySelectorAll("[data-toast]").forEach(function (banner) {
      if (!region) return;
      var toast = document.createElement("div");
      toast.className = "toast";
      toast.setAttribute("role", "status");
      toast.textContent = banner.textContent;
      region.appendChild(toast);
      banner.remove();
      setTimeout(function () { toast.remove(); }, 5000);
    });
  });
  // Dialogs: a link with data-dialog opens the native <dialog> it names
  // instead of its no-JavaScript page; focus returns to the opener.
  var opener = null;
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-dialog]");
    if (link) {
      var dialog = document.getElementById(link.getAttribute("data-dialog"));
      if (dialog && dialog.showModal) {
        event.preventDefault();
        opener = link;
        dialog.showModal();
        var first = dialog.querySelector("textarea, input:not([type=hidden]), select");
        if (first) first.focus();
      }
      return;
    }
    var close = event.target.closest && event.target.closest("dialog [data-close]");
    if (close) {
      event.preventDefault();
      close.closest("dialog").close();
      return;
    }
    // A click on the backdrop (the dialog element itself) closes it.
    if (event.target instanceof HTMLDialogElement && event.target.open) event.target.close();
  });
  document.addEventListener("close", function () {
    if (opener) { opener.focus(); opener = null; }
  }, true);

  // Destructive forms (data-confirm) ask first in the confirm dialog;
  // without JavaScript they simply post.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (form.dataset.confirmed) { delete form.dataset.confirmed; return; }
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || !dialog.showModal) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var submitter = event.submitter;
    dialog.querySelector("[data-confirm-text]").textContent = form.dataset.confirm;
    var ok = dialog.querySelector("[data-confirm-ok]");
    if (form.dataset.confirmAction) ok.textContent = form.dataset.confirmAction;
    ok.onclick = function () {
      dialog.close();
      form.dataset.confirmed = "1";
      form.requestSubmit(submitter || undefined);
    };
    // Focus goes back to the menu's button, since the menu closes.
    var menu = form.closest("details");
    if (menu) menu.open = false;
    opener = menu ? menu.querySelector("summary") : submitter || null;
    dialog.showModal();
    dialog.querySelector("[data-close]").focus();
  }, true);

  // Filters apply as soon as they change.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.requestSubmit();
    // A role select shows its Save button once changed.
    var roleForm = el.closest && el.closest(".role-form");
    if (roleForm) roleForm.classList.add("dirty");
  });
  // Once a role change is applied in place (or refused, the select back
  // as it was), its Save button hides again.
  ["troupe:applied", "troupe:refused"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var roleForm = event.target.closest && event.target.closest(".role-form");
      if (roleForm) roleForm.classList.remove("dirty");
    });
  });

  // Copy buttons copy their field; where the clipboard is unavailable the
  // field's text is selected for the user to copy. Read-only fields select
  // all of their text when focused.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    var label = button.querySelector("span");
    var done = function () {
      var before = label.textContent;
      label.textContent = button.getAttribute("data-copied");
      button.setAttribute("data-done", "");
      setTimeout(function () { label.textContent = before; button.removeAttribute("data-done"); }, 2000);
    };
    var select = function () { field.focus(); field.select(); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, select);
    } else {
      select();
    }
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-all]")) event.target.select();
  });

  // The bell follows the unread count live: the server sends it on every
  // change, and the panel's list is then fetched again, already rendered.
  document.addEventListener("DOMContentLoaded", function () {
    var bell = document.querySelector("[data-notifications]");
    if (!bell || !window.EventSource) return;
    var badge = bell.querySelector("[data-unread]");
    var count = bell.querySelector("[data-unread-count]");
    var shown = Number(count.textContent);
    var refresh = function () {
      var back = location.pathname + location.search;
      fetch("/notifications/panel?back=" + encodeURIComponent(back), { credentials: "same-origin" })
        .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-notif-list]");
          var list = bell.querySelector("[data-notif-list]");
          if (fresh && list) {
            list.replaceWith(document.adoptNode(fresh));
            localiseTimes(fresh);
          }
        })
        .catch(function () { /* the list stays as it was; the badge is already right */ });
    };
    var source = new EventSource("/api/v1/notifications/stream");
    source.addEventListener("unread", function (event) {
      var n = JSON.parse(event.data).unread;
      count.textContent = String(n);
      badge.hidden = n === 0;
      if (n !== shown) refresh();
      shown = n;
    });
    window.addEventListener("pagehide", function () { source.close(); });
  });

  // --- Content: dialogs loaded from their pages, sharing, uploads, drafts ---

  // toast shows a short message at the corner of the page. With
  // opts.undo it carries an Undo button that runs opts.undo once (and
  // stays longer, to leave time to press it); opts.error marks a failure.
  function toast(text, opts) {
    opts = opts || {};
    var region = document.querySelector(".toast-region");
    if (!region || !text) return null;
    var t = document.createElement("div");
    t.className = "toast" + (opts.error ? " toast-error" : "");
    t.setAttribute("role", opts.error ? "alert" : "status");
    var words = document.createElement("span");
    words.textContent = text;
    t.appendChild(words);
    if (opts.undo) {
      var undo = document.createElement("button");
      undo.type = "button";
      undo.setAttribute("data-undo", "");
      undo.textContent = region.dataset.undoLabel || "Undo";
      undo.addEventListener("click", function () {
        t.remove();
        opts.undo();
      }, { once: true });
      t.appendChild(undo);
    }
    region.appendChild(t);
    setTimeout(function () { t.remove(); }, opts.undo ? 10000 : 5000);
    return t;
  }
  window.Troupe.toast = toast;

  // Small changes apply in place: a form marked data-inplace is sent by
  // fetch to its own address, asking for JSON; the server answers what
  // changed, in words, and the page stays where it is (no reload, so
  // scroll position and everything else the page holds survive). The
  // fields named in data-undo (comma-separated) are remembered as they
  // were before the change, and the toast's Undo sends them back. A
  // refusal comes back as problem+json, said in an error toast, and the
  // fields return to their saved values. Without JavaScript the same form
  // posts and the server redirects, as any form.
  function formValues(form, names) {
    var out = {};
    names.forEach(function (n) {
      var el = form.elements[n];
      if (!el) return;
      out[n] = el.type === "checkbox" ? el.checked : el.value;
    });
    return out;
  }
  function setValues(form, values) {
    Object.keys(values).forEach(function (n) {
      var el = form.elements[n];
      if (!el) return;
      if (el.type === "checkbox") el.checked = values[n];
      else el.value = values[n];
    });
  }
  function undoFields(form) {
    return (form.dataset.undo || "").split(",").map(function (n) { return n.trim(); }).filter(Boolean);
  }
  // sendInPlace posts body to url asking for JSON; it resolves with the
  // answer, or rejects with a problem document ({detail}) or with null
  // when the page had to be left (a sign-in page answered, say).
  function sendInPlace(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin", body: body,
      headers: { "Accept": "application/json" } })
      .then(function (res) {
        var type = res.headers.get("Content-Type") || "";
        if (type.indexOf("json") < 0) {
          // Not an answer for this script: show whatever page it is.
          location.href = res.url;
          return Promise.reject(null);
        }
        return res.json().then(function (answer) { return res.ok ? answer : Promise.reject(answer); });
      });
  }
  window.Troupe.sendInPlace = sendInPlace;
  function applyInPlace(form, submitter, undoing) {
    var names = undoFields(form);
    var before = form._saved || {};
    var data = new FormData(form, submitter || undefined);
    var body = new URLSearchParams(data);
    var region = document.querySelector(".toast-region");
    form.setAttribute("aria-busy", "true");
    return sendInPlace(form.action, body).then(function (answer) {
      var after = formValues(form, names);
      form._saved = after;
      var changed = names.some(function (n) { return before[n] !== after[n]; });
      var undo = null;
      if (names.length && changed && !undoing) {
        undo = function () {
          setValues(form, before);
          applyInPlace(form, null, true);
        };
      }
      toast(answer.message || (undoing && region && region.dataset.undone) || "", { undo: undo });
      form.dispatchEvent(new CustomEvent("troupe:applied", { bubbles: true, detail: answer }));
    }, function (problem) {
      if (problem === null) return;
      setValues(form, before);
      var text = (problem && problem.detail) || (region && region.dataset.failed) || "";
      if (problem && problem.errors && problem.errors.length && problem.errors[0].message) text = problem.errors[0].message;
      toast(text, { error: true });
      form.dispatchEvent(new CustomEvent("troupe:refused", { bubbles: true, detail: problem }));
    }).finally(function () {
      form.removeAttribute("aria-busy");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-inplace]").forEach(function (form) {
      form._saved = formValues(form, undoFields(form));
    });
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-inplace") || event.defaultPrevented) return;
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    // The button that shows the spinner: the one pressed, or the form's
    // own when a switch sent it.
    var busy = event.submitter || form.querySelector("button[type=submit]");
    if (busy) busy.setAttribute("aria-busy", "true");
    applyInPlace(form, event.submitter || null, false).finally(function () {
      if (busy) busy.removeAttribute("aria-busy");
    });
  });
  // A message left by the previous page (an upload that moved on).
  document.addEventListener("DOMContentLoaded", function () {
    var left = sessionStorage.getItem("troupe-toast");
    if (left) { sessionStorage.removeItem("troupe-toast"); toast(left); }
  });

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, k) { return k in values ? values[k] : all; });
  }

  // errorText picks the page's message for a problem answer of the API.
  function errorText(form, problem) {
    var key = problem && problem.errors && problem.errors.length ? problem.errors[0].code : problem && problem.code;
    var attr = key ? "error" + key.charAt(0).toUpperCase() + key.slice(1) : "";
    return (attr && form.dataset[attr]) || form.dataset.errorOther || "";
  }

  // A link with data-dialog-url opens the form of its page in the page
  // dialog; without JavaScript it simply opens the page.
  var pageDialog = document.getElementById("page-dialog");
  function openPageDialog(url, from) {
    return fetch(url, { credentials: "same-origin" })
      .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
      .then(function (html) {
        var body = new DOMParser().parseFromString(html, "text/html").querySelector("[data-dialog-body]");
        if (!body) return Promise.reject("no dialog");
        pageDialog.replaceChildren(document.adoptNode(body));
        if (!pageDialog.open) {
          opener = from;
          pageDialog.showModal();
        }
        enhance(pageDialog);
        var first = pageDialog.querySelector("input:not([type=hidden]):not([disabled]), textarea, select:not([disabled]), button[data-move-here]");
        if (first) first.focus();
      })
      .catch(function () { location.href = url; });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-dialog-url]");
    if (!link || !pageDialog || !pageDialog.showModal || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    var from = link;
    var menu = link.closest("details.menu");
    if (menu) {
      menu.open = false;
      from = menu.querySelector("summary");
    }
    openPageDialog(link.href, pageDialog.open ? opener : from);
  });
  // Tab stays inside an open dialog.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Tab") return;
    var dialog = document.querySelector("dialog[open]");
    if (!dialog) return;
    var focusable = Array.prototype.filter.call(dialog.querySelectorAll("a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])"),
      function (el) { return el.offsetParent !== null; });
    if (!focusable.length) return;
    var first = focusable[0], last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
  });

  // Drafts: the JSON document is checked before it is sent.
  function jsonProblem(area) {
    try { JSON.parse(area.value); return ""; } catch (e) { return area.dataset.jsonError; }
  }
  document.addEventListener("focusout", function (event) {
    var area = event.target;
    if (area.matches && area.matches("textarea[data-json]")) show(area, jsonProblem(area));
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("[data-draft]")) return;
    var area = form.querySelector("textarea[data-json]");
    var text = area ? jsonProblem(area) : "";
    if (area) show(area, text);
    if (text) {
      event.preventDefault();
      event.stopImmediatePropagation();
      area.focus();
    }
  }, true);

  // A <time data-local> carries its instant; the reader's browser says it
  // in their own time zone and language: the exact time on hover, and the
  // date itself when the page shows a date (data-local="date") rather than
  // "3 days ago" or a day the reader chose.
  function localiseTime(el) {
    var at = new Date(el.getAttribute("datetime"));
    if (isNaN(at.getTime())) return;
    var lang = document.documentElement.lang || undefined;
    var firstDay = function (text) { return lang === "fr" ? text.replace(/^1 /, "1er ") : text; };
    el.title = firstDay(at.toLocaleString(lang, { dateStyle: "long", timeStyle: "short" }));
    if (el.getAttribute("data-local") === "date") el.textContent = firstDay(at.toLocaleDateString(lang, { dateStyle: "long" }));
  }
  function localiseTimes(root) {
    root.querySelectorAll("time[data-local]").forEach(localiseTime);
  }
  window.Troupe.localiseTimes = localiseTimes;

  function enhance(root) {
    localiseTimes(root);
    root.querySelectorAll("form[data-share]").forEach(enhanceShare);
    if (window.TroupeUploads) window.TroupeUploads.init(root);
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });

  // The Share form: people are added from the members' autocomplete and
  // removed in place; Save replaces the whole sharing through the API.
  function enhanceShare(form) {
    if (form.dataset.enhanced) return;
    form.dataset.enhanced = "1";
    var people = form.querySelector("[data-people]");
    var tpl = form.querySelector("template[data-row-template]");
    var general = form.querySelector("[data-general]");
    var level = form.querySelector("[data-workspace-level]");
    var errorBox = form.querySelector("[data-share-error]");
    var input = form.querySelector("#f-share-add");
    var list = form.querySelector("#share-suggest");
    var addLevel = form.querySelector("[data-add-level]");
    var options = [], active = -1, timer = null;

    function setError(text) {
      errorBox.textContent = text || "";
      errorBox.hidden = !text;
    }
    function listed(id) {
      if (id === form.dataset.owner) return true;
      return Array.prototype.some.call(people.querySelectorAll("[data-user]"), function (li) { return li.dataset.user === id; });
    }
    function sync() {
      var some = people.querySelectorAll("[data-user]").length > 0;
      general.options[0].textContent = some ? form.dataset.labelSelected : form.dataset.labelOnlyMe;
      level.hidden = general.value !== "workspace";
    }
    sync();
    general.addEventListener("change", sync);

    function addRow(m) {
      var li = tpl.content.firstElementChild.cloneNode(true);
      var who = m.name || m.email;
      li.dataset.user = m.id;
      li.dataset.email = m.email;
      li.querySelector("input[name=share_user]").value = m.id;
      li.querySelector(".avatar").textContent = who.trim().charAt(0).toUpperCase();
      li.querySelector(".person-name").textContent = who;
      li.querySelector(".person-email").textContent = m.name ? m.email : "";
      var select = li.querySelector("select");
      select.value = addLevel.value;
      select.setAttribute("aria-label", select.getAttribute("aria-label").replace("{name}", who));
      var remove = li.querySelector("[data-remove]");
      remove.value = m.id;
      remove.setAttribute("aria-label", remove.getAttribute("aria-label").replace("{name}", who));
      people.insertBefore(li, people.querySelector(".inherited"));
      sync();
    }
    function closeList() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(i) {
      active = i;
      list.querySelectorAll("[role=option]").forEach(function (o, j) { o.setAttribute("aria-selected", j === i ? "true" : "false"); });
      if (i >= 0) input.setAttribute("aria-activedescendant", "share-opt-" + i);
    }
    function members(q) {
      return fetch(form.dataset.members + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (res) { return res.ok ? res.json() : Promise.reject(res.status); })
        .then(function (data) {
          return (data.items || []).filter(function (m) { return m.user && !listed(m.user.id); })
            .map(function (m) { return { id: m.user.id, name: m.user.name, email: m.user.email }; }).slice(0, 8);
        });
    }
    function render(items) {
      options = items;
      list.replaceChildren();
      if (!items.length) {
        var none = document.createElement("li");
        none.className = "suggest-empty";
        none.textContent = form.dataset.noneFound;
        list.appendChild(none);
      }
      items.forEach(function (m, i) {
        var li = document.createElement("li");
        li.id = "share-opt-" + i;
        li.className = "suggest-option";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.index = String(i);
        var name = document.createElement("span");
        name.className = "person-name";
        name.textContent = m.name || m.email;
        var email = document.createElement("span");
        email.className = "person-email";
        email.textContent = m.email;
        li.append(name, email);
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    function pick(i) {
      var m = options[i];
      if (!m) return;
      addRow(m);
      input.value = "";
      options = [];
      closeList();
      setError("");
      input.focus();
    }
    // resolve finds the member typed in full (an email, or a name only
    // one member has) for Add and Save.
    function resolve() {
      var q = input.value.trim();
      if (!q) return Promise.resolve(true);
      return members(q).then(function (found) {
        var exact = found.filter(function (m) { return m.email.toLowerCase() === q.toLowerCase(); });
        var m = exact[0] || (found.length === 1 ? found[0] : null);
        if (!m) { setError(form.dataset.noMatch); input.focus(); return false; }
        options = [m];
        pick(0);
        return true;
      }, function () { setError(form.dataset.errorOther); return false; });
    }
    if (input) {
      input.addEventListener("input", function () {
        clearTimeout(timer);
        var q = input.value.trim();
        if (!q) { closeList(); return; }
        timer = setTimeout(function () {
          members(q).then(function (found) { if (input.value.trim() === q) render(found); }, closeList);
        }, 150);
      });
      input.addEventListener("keydown", function (event) {
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          if (list.hidden || !options.length) return;
          event.preventDefault();
          var n = options.length;
          highlight(event.key === "ArrowDown" ? (active + 1) % n : (active - 1 + n) % n);
        } else if (event.key === "Enter") {
          event.preventDefault();
          if (!list.hidden && options.length) pick(active >= 0 ? active : 0);
          else resolve();
        } else if (event.key === "Escape" && !list.hidden) {
          event.preventDefault();
          event.stopPropagation();
          closeList();
        }
      });
      input.addEventListener("blur", function () { setTimeout(closeList, 200); });
      list.addEventListener("mousedown", function (event) {
        var o = event.target.closest("[role=option]");
        if (o) {
          event.preventDefault();
          pick(Number(o.dataset.index));
        }
      });
    }
    form.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-remove]");
      if (remove) {
        event.preventDefault();
        var row = remove.closest("[data-user]");
        var next = row.nextElementSibling && row.nextElementSibling.querySelector("select, button");
        row.remove();
        sync();
        (next || general).focus();
        return;
      }
      if (event.target.closest("[data-add]")) {
        event.preventDefault();
        resolve();
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("[data-save]");
      if (!button || button.getAttribute("aria-busy") === "true") return;
      button.setAttribute("aria-busy", "true");
      setError("");
      resolve().then(function (ok) {
        if (!ok) return;
        var rows = people.querySelectorAll("[data-user]");
        var body = { general_access: general.value, shares: Array.prototype.map.call(rows, function (li) {
          return { user_id: li.dataset.user, level: li.querySelector("select").value };
        }) };
        if (general.value === "workspace") body.workspace_level = level.value;
        rows.forEach(function (li) { li.classList.remove("row-error"); });
        return fetch(form.dataset.share, { method: "PUT", credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) })
          .then(function (res) {
            if (res.ok) {
              var dialog = form.closest("dialog");
              if (dialog) dialog.close();
              toast(form.dataset.saved);
              return;
            }
            return res.json().then(function (problem) {
              (problem.errors || []).forEach(function (e) {
                var m = /^shares\[(\d+)\]/.exec(e.field || "");
                if (m && rows[Number(m[1])]) rows[Number(m[1])].classList.add("row-error");
              });
              setError(errorText(form, problem));
            }, function () { setError(form.dataset.errorOther); });
          });
      }).catch(function () { setError(form.dataset.errorOther); })
        .finally(function () { button.removeAttribute("aria-busy"); });
    });
  }

  // Menus close when a click lands outside them, when focus leaves them,
  // or on Escape, which gives focus back to their button.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });
  document.addEventListener("focusout", function (event) {
    var menu = event.target.closest && event.target.closest("details.menu[open]");
    if (menu && event.relatedTarget && !menu.contains(event.relatedTarget)) menu.open = false;
  });

  // An open menu hangs from its button, below it or, when there is more
  // room there, above it, and is nudged sideways away from the viewport's
  // edges; its side is marked data-placement for the stylesheet. It stays
  // attached to its button (position: absolute), so it moves with the page
  // and no later layout change leaves it behind; the boxes it sits in clip
  // nothing (see app.css), so no row's menu is cut off.
  var menuEdge = 8, menuGap = 4;
  function placeMenu(menu) {
    var panel = menu.querySelector(":scope > .menu-panel");
    if (!panel) return;
    var s = panel.style;
    s.translate = ""; s.maxHeight = ""; s.overflowY = "";
    var viewW = document.documentElement.clientWidth, viewH = document.documentElement.clientHeight;
    var at = menu.getBoundingClientRect();
    var height = panel.offsetHeight;
    var below = viewH - at.bottom - menuGap - menuEdge, above = at.top - menuGap - menuEdge;
    var up = height > below && above > below;
    var room = Math.max(up ? above : below, 120);
    if (height > room) {
      s.maxHeight = room + "px";
      s.overflowY = "auto";
    }
    menu.dataset.placement = up ? "up" : "down";
    // The animation moves the panel only vertically, so its sides are true.
    var box = panel.getBoundingClientRect();
    var shift = Math.max(menuEdge - box.left, Math.min(0, viewW - menuEdge - box.right));
    if (shift) s.translate = shift + "px 0";
  }
  // A menu is placed as soon as it opens, before the page is drawn or any
  // click can land on it (the toggle event would come a task later).
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      var menu = change.target;
      if (!menu.matches("details.menu")) return;
      if (menu.open) {
        placeMenu(menu);
        return;
      }
      var panel = menu.querySelector(":scope > .menu-panel");
      if (panel) panel.style.cssText = "";
      delete menu.dataset.placement;
    });
  }).observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ["open"] });
  window.addEventListener("resize", function () {
    document.querySelectorAll("details.menu[open]").forEach(placeMenu);
  });
})();

// Video pages: the Share and Captions tabs, settings that save as they
// change, the video password's length, and the cue editor. Without this,
// both panels show one after the other and every form posts as it is.
(function () {
  "use strict";

  function fill(template, n) { return template.replace("{n}", n); }

  // fieldError shows or clears a message under a field, the way the
  // page's own checks do (a live message the server did not render).
  var fieldError = window.Troupe.fieldError;

  // Tabs follow the WAI-ARIA pattern: one tab stop, arrows move between
  // tabs, the address's fragment (#share, #captions) picks the first one.
  function enhanceTabs(root) {
    var tabs = Array.prototype.slice.call(root.querySelectorAll("[role=tab]"));
    if (!tabs.length) return;
    function select(tab, focus) {
      tabs.forEach(function (t) {
        var on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        var panel = document.getElementById(t.getAttribute("aria-controls"));
        if (panel) {
          panel.hidden = !on;
          panel.setAttribute("aria-labelledby", t.id);
        }
      });
      if (focus) tab.focus();
    }
    function byPanel(id) {
      return tabs.filter(function (t) { return t.getAttribute("aria-controls") === id; })[0];
    }
    select(byPanel(location.hash.slice(1)) || byPanel(root.dataset.active) || tabs[0], false);
    window.addEventListener("hashchange", function () {
      var tab = byPanel(location.hash.slice(1));
      if (tab) select(tab, false);
    });
    root.addEventListener("click", function (event) {
      var tab = event.target.closest("[role=tab]");
      if (!tab) return;
      select(tab, false);
      history.replaceState(null, "", "#" + tab.getAttribute("aria-controls"));
    });
    root.addEventListener("keydown", function (event) {
      var i = tabs.indexOf(event.target);
      if (i < 0) return;
      var next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      select(tabs[(next + tabs.length) % tabs.length], true);
    });
  }

  // A checkbox marked data-autosubmit saves its form when it changes.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("input[type=checkbox][data-autosubmit]") && box.form) box.form.requestSubmit();
  });

  // Fields with data-min-length explain a value that is too short.
  function tooShort(input) {
    var n = Number(input.dataset.minLength);
    return input.value.length > 0 && input.value.length < n ? input.dataset.minLengthError : "";
  }
  document.addEventListener("focusout", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[data-min-length]")) fieldError(input, tooShort(input));
  });
  document.addEventListener("submit", function (event) {
    var input = event.target.querySelector && event.target.querySelector("input[data-min-length]");
    var text = input ? tooShort(input) : "";
    if (!text) return;
    fieldError(input, text);
    event.preventDefault();
    event.stopImmediatePropagation();
    input.focus();
  }, true);

  // After the Share dialog closes, the summary of who has access is
  // fetched again, already rendered.
  function refreshAccessSummary() {
    fetch(location.pathname, { credentials: "same-origin" })
      .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
      .then(function (html) {
        var outside = function (el) { return !el.closest("dialog"); };
        var fresh = Array.prototype.filter.call(new DOMParser().parseFromString(html, "text/html").querySelectorAll("[data-access-summary]"), outside);
        var current = Array.prototype.filter.call(document.querySelectorAll("[data-access-summary]"), outside);
        if (fresh.length !== current.length) return;
        current.forEach(function (el, i) {
          var hadFocus = el.contains(document.activeElement);
          el.replaceWith(document.adoptNode(fresh[i]));
          var link = fresh[i].querySelector("[data-share-summary]");
          if (hadFocus && link) link.focus();
        });
      })
      .catch(function () { /* the summary stays as it was */ });
  }

  // The cue editor: rows are added and removed in place, and times are
  // checked (format, end after start) before the form is sent.
  var timePattern = /^(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$/;
  function millis(value) {
    var m = timePattern.exec(value.trim());
    if (!m || Number(m[2]) > 59 || Number(m[3]) > 59) return NaN;
    return ((Number(m[1] || 0) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(((m[4] || "") + "00").slice(0, 3));
  }
  function pad(n, width) { n = String(n); while (n.length < width) n = "0" + n; return n; }
  // clock writes a time as the editor shows it (captions.FormatEditorTime).
  function clock(ms) {
    ms = Math.max(0, Math.round(ms));
    var h = Math.floor(ms / 3600000), m = Math.floor(ms / 60000) % 60, s = Math.floor(ms / 1000) % 60, f = ms % 1000;
    return (h > 0 ? pad(h, 2) + ":" : "") + pad(m, 2) + ":" + pad(s, 2) + "." + pad(f, 3);
  }
  function enhanceCueEditor(form) {
    var list = form.querySelector("[data-cue-list]");
    var template = form.querySelector("template[data-cue-template]");
    var video = document.querySelector("[data-cue-video]");
    var side = document.querySelector("[data-cue-player]");
    var clockOut = side && side.querySelector("[data-cue-clock]");
    var selected = null, playing = null;
    function field(row, name) { return row.querySelector("[name=" + name + "]"); }
    function rows() { return Array.prototype.slice.call(list.querySelectorAll("[data-cue]")); }
    function renumber() {
      rows().forEach(function (row, i) {
        var n = String(i + 1);
        row.querySelector("[data-cue-n]").textContent = n;
        row.querySelector("[data-cue-legend]").textContent = fill(form.dataset.cueLabel, n);
        var remove = row.querySelector("[data-remove-cue]");
        remove.value = String(i);
        remove.setAttribute("aria-label", fill(form.dataset.removeLabel, n));
        var play = row.querySelector("[data-seek-cue]");
        if (play) play.setAttribute("aria-label", fill(form.dataset.playLabel, n));
        var error = row.querySelector("[data-cue-error]");
        error.id = "cue-error-" + i;
        row.querySelectorAll("[aria-describedby]").forEach(function (el) { el.setAttribute("aria-describedby", error.id); });
      });
    }
    function setRowError(row, text) {
      var error = row.querySelector("[data-cue-error]");
      error.textContent = text;
      error.hidden = !text;
      row.classList.toggle("row-error", !!text);
      row.querySelectorAll("input, textarea").forEach(function (el) {
        if (text) {
          el.setAttribute("aria-invalid", "true");
          el.setAttribute("aria-describedby", error.id);
        } else {
          el.removeAttribute("aria-invalid");
          el.removeAttribute("aria-describedby");
        }
      });
    }
    function timesProblem(row) {
      var start = field(row, "start").value, end = field(row, "end").value;
      var a = millis(start), b = millis(end);
      if ((start.trim() && isNaN(a)) || (end.trim() && isNaN(b))) return form.dataset.errorFormat;
      if (!isNaN(a) && !isNaN(b) && b <= a) return form.dataset.errorOrder;
      return "";
    }
    function rowProblem(row) {
      var start = field(row, "start").value.trim(), end = field(row, "end").value.trim(), text = field(row, "text").value.trim();
      if (!start && !end && !text) return "";
      if (!start || !end) return form.dataset.errorFormat;
      return timesProblem(row) || (text ? "" : form.dataset.errorText);
    }
    function addRow(startMs) {
      var fresh = template.content.firstElementChild.cloneNode(true);
      if (startMs !== undefined) {
        // A new cue at the player's time goes where it belongs in time,
        // lasting two seconds by default.
        field(fresh, "start").value = clock(startMs);
        field(fresh, "end").value = clock(startMs + 2000);
        var after = rows().filter(function (r) { var a = millis(field(r, "start").value); return !isNaN(a) && a > startMs; })[0];
        list.insertBefore(fresh, after || null);
      } else {
        list.appendChild(fresh);
      }
      renumber();
      select(fresh);
      return fresh;
    }
    function select(row) {
      if (selected === row) return;
      if (selected) selected.classList.remove("is-selected");
      selected = row;
      if (row) row.classList.add("is-selected");
    }

    form.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-remove-cue]");
      if (remove) {
        event.preventDefault();
        var row = remove.closest("[data-cue]");
        var next = row.nextElementSibling || row.previousElementSibling;
        if (selected === row) select(null);
        if (playing === row) playing = null;
        row.remove();
        renumber();
        refreshTrack();
        (next ? field(next, "start") : form.querySelector("[data-add-cue]")).focus();
        return;
      }
      if (event.target.closest("[data-add-cue]")) {
        event.preventDefault();
        field(addRow(), "start").focus();
        return;
      }
      // A click on a cue's number, its play button or its background plays
      // the video from the cue's start; a click in a field selects it.
      var cue = event.target.closest("[data-cue]");
      if (!cue) return;
      select(cue);
      if (event.target.closest("[data-seek-cue]") || !event.target.closest("input, textarea, button, label")) seekTo(cue);
    });
    form.addEventListener("focusin", function (event) {
      var cue = event.target.closest && event.target.closest("[data-cue]");
      if (cue) select(cue);
    });

    // Times are checked as they are typed: a time that becomes right is
    // cleared at once; one that is wrong is said after a short pause, or
    // as soon as the field is left.
    var typing = null;
    function checkRow(row) {
      var text = timesProblem(row);
      if (text || row.dataset.checked) {
        row.dataset.checked = "1";
        setRowError(row, text);
      }
    }
    form.addEventListener("input", function (event) {
      var row = event.target.closest && event.target.closest("[data-cue]");
      if (!row) return;
      scheduleTrack();
      if (!event.target.matches("input")) return;
      clearTimeout(typing);
      if (!timesProblem(row)) {
        if (row.dataset.checked) setRowError(row, "");
        return;
      }
      typing = setTimeout(function () { checkRow(row); }, 700);
    });
    form.addEventListener("focusout", function (event) {
      var row = event.target.closest && event.target.closest("[data-cue]");
      if (!row || !event.target.matches("input")) return;
      clearTimeout(typing);
      checkRow(row);
    });

    // Save applies in place: the page stays beside the player. Rows the
    // server refuses are marked, the rest of the problems listed above.
    var banner = document.querySelector("[data-cue-problems]");
    function showProblems(messages) {
      if (!banner) {
        banner = document.createElement("div");
        banner.className = "banner banner-error";
        banner.setAttribute("role", "alert");
        banner.setAttribute("data-cue-problems", "");
        form.parentNode.parentNode.insertBefore(banner, form.parentNode);
      }
      banner.replaceChildren();
      var box = document.createElement("div");
      var ul = document.createElement("ul");
      ul.className = "problem-list";
      messages.forEach(function (m) { var li = document.createElement("li"); li.textContent = m; ul.appendChild(li); });
      box.appendChild(ul);
      banner.appendChild(box);
      banner.hidden = messages.length === 0;
    }
    form.addEventListener("submit", function (event) {
      var first = null;
      rows().forEach(function (row) {
        var text = rowProblem(row);
        row.dataset.checked = "1";
        setRowError(row, text);
        if (text && !first) first = row;
      });
      event.preventDefault();
      event.stopImmediatePropagation();
      if (first) {
        field(first, "start").focus();
        return;
      }
      var button = form.querySelector("[data-save-cues]");
      if (button.getAttribute("aria-busy") === "true") return;
      button.setAttribute("aria-busy", "true");
      // The server counts the rows that are not empty.
      var filled = rows().filter(function (row) { return field(row, "start").value.trim() || field(row, "end").value.trim() || field(row, "text").value.trim(); });
      window.Troupe.sendInPlace(form.action, new URLSearchParams(new FormData(form))).then(function (answer) {
        showProblems([]);
        document.querySelectorAll(".banner-info[role=status]").forEach(function (b) { b.remove(); });
        window.Troupe.toast(answer.message);
        form.dispatchEvent(new CustomEvent("troupe:applied", { bubbles: true, detail: answer }));
      }, function (problem) {
        if (problem === null) return;
        var general = [];
        ((problem && problem.errors) || []).forEach(function (e) {
          var m = /^cues\[(\d+)\]$/.exec(e.field);
          if (m && filled[Number(m[1])]) {
            setRowError(filled[Number(m[1])], e.message);
          } else if (e.field === "label") {
            window.Troupe.fieldError(form.querySelector("#f-track-label"), e.message);
          } else {
            general.push(e.message);
          }
        });
        if (!general.length && problem && problem.detail) general.push(problem.detail);
        showProblems(general);
        var bad = list.querySelector(".row-error");
        if (bad) field(bad, "start").focus();
      }).finally(function () { button.removeAttribute("aria-busy"); });
    });

    if (!video) return;

    // The player shows the cues as they are typed, in a track of its own
    // in place of the saved file's.
    var saved = video.querySelector("track[data-saved-track]");
    var live = null;
    function refreshTrack() {
      if (!video.addTextTrack || !window.VTTCue) return;
      if (!live) {
        if (saved && saved.track) saved.track.mode = "disabled";
        live = video.addTextTrack("captions", saved ? saved.label : "", saved ? saved.srclang : "");
        live.mode = "showing";
      }
      Array.prototype.slice.call(live.cues || []).forEach(function (c) { live.removeCue(c); });
      rows().forEach(function (row) {
        var a = millis(field(row, "start").value), b = millis(field(row, "end").value), text = field(row, "text").value;
        if (!isNaN(a) && !isNaN(b) && b > a && text.trim()) live.addCue(new VTTCue(a / 1000, b / 1000, text));
      });
    }
    var trackTimer = null;
    function scheduleTrack() { clearTimeout(trackTimer); trackTimer = setTimeout(refreshTrack, 300); }
    if (saved) saved.addEventListener("load", function () { if (live && saved.track) saved.track.mode = "disabled"; });
    refreshTrack();

    function seekTo(row) {
      var a = millis(field(row, "start").value);
      if (isNaN(a)) return;
      video.currentTime = a / 1000;
      follow(true);
    }
    // The list follows playback: the cue being played is marked and kept
    // in view in the list, unless someone is typing in it.
    function follow(force) {
      var now = video.currentTime * 1000;
      if (clockOut) clockOut.value = clock(now);
      var current = null;
      rows().some(function (row) {
        var a = millis(field(row, "start").value), b = millis(field(row, "end").value);
        if (!isNaN(a) && !isNaN(b) && a <= now && now < b) { current = row; return true; }
        return false;
      });
      if (current === playing && !force) return;
      if (playing) { playing.classList.remove("is-playing"); playing.removeAttribute("aria-current"); }
      playing = current;
      if (!current) return;
      current.classList.add("is-playing");
      current.setAttribute("aria-current", "true");
      var typingHere = list.contains(document.activeElement) && document.activeElement.matches("input, textarea");
      if (typingHere && !force) return;
      var top = current.offsetTop, bottom = top + current.offsetHeight;
      if (top < list.scrollTop || bottom > list.scrollTop + list.clientHeight) {
        list.scrollTo({ top: Math.max(0, top - list.clientHeight / 3), behavior: force ? "auto" : "smooth" });
      }
    }
    video.addEventListener("timeupdate", function () { follow(false); });
    video.addEventListener("seeked", function () { follow(false); });

    function target() {
      var row = selected || playing;
      if (!row) window.Troupe.toast(form.dataset.selectFirst, { error: true });
      return row;
    }
    function mark(which) {
      var row = target();
      if (!row) return;
      var input = field(row, which);
      input.value = clock(video.currentTime * 1000);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      checkRow(row);
    }
    function playPause() {
      if (video.paused) video.play().catch(function () { /* the browser refused; its controls remain */ });
      else video.pause();
    }
    function addHere() { field(addRow(video.currentTime * 1000), "text").focus(); }
    side.addEventListener("click", function (event) {
      var set = event.target.closest("[data-cue-set]");
      if (set) { mark(set.getAttribute("data-cue-set")); return; }
      if (event.target.closest("[data-cue-add-here]")) addHere();
    });

    // Keyboard shortcuts, listed on the page: single keys when no field is
    // being typed in; the same keys with Alt inside fields.
    var shortcuts = side.querySelector("[data-cue-shortcuts]");
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.defaultPrevented) return;
      var el = document.activeElement;
      var inField = el && (el.matches("input, textarea, select, [contenteditable]") || el.isContentEditable);
      if (inField !== event.altKey) return;
      if (document.querySelector("dialog[open]")) return;
      var done = true;
      switch (event.code) {
        case "KeyK":
          playPause();
          break;
        case "Space":
          if (inField || (el && el.matches("button, a, summary, video"))) { done = false; break; }
          playPause();
          break;
        case "KeyJ": video.currentTime = Math.max(0, video.currentTime - 1); break;
        case "KeyL": video.currentTime = Math.min(video.duration || Infinity, video.currentTime + 1); break;
        case "KeyI": mark("start"); break;
        case "KeyO": mark("end"); break;
        case "KeyN": addHere(); break;
        case "Slash":
          if (!event.shiftKey || inField || !shortcuts) { done = false; break; }
          shortcuts.open = !shortcuts.open;
          break;
        default: done = false;
      }
      if (done) event.preventDefault();
    });
  }

  // The invite form grows one row per address, each with its role. Without
  // JavaScript the same form is a text field of addresses, each optionally
  // followed by a role, and a default role; with it, that text becomes rows
  // (and comes back as text when the server returns the form).
  function enhanceInviteForm(form) {
    var rows = form.querySelector("[data-invite-rows]");
    var list = form.querySelector("[data-invite-list]");
    var tpl = form.querySelector("template[data-invite-row]");
    var text = form.querySelector("textarea[name=emails]");
    var fallback = form.querySelector("select[name=role]");
    if (!rows || !list || !tpl || !text) return;
    var roleOf = function (word) {
      var w = word.toLowerCase(), found = "";
      Array.prototype.forEach.call(tpl.content.querySelectorAll("option"), function (o) {
        if (o.value.toLowerCase() === w || o.textContent.trim().toLowerCase() === w) found = o.value;
      });
      return found;
    };
    var lastRole = function () {
      var selects = list.querySelectorAll("select[name=row_role]");
      if (selects.length) return selects[selects.length - 1].value;
      return fallback ? fallback.value : "";
    };
    var add = function (email, role) {
      var row = tpl.content.firstElementChild.cloneNode(true);
      row.querySelector("input").value = email || "";
      var select = row.querySelector("select");
      var wanted = role || lastRole();
      if (wanted && select.querySelector('option[value="' + wanted + '"]')) select.value = wanted;
      list.appendChild(row);
      return row;
    };
    // Several addresses at once (a pasted list) become several rows.
    var addMany = function (raw, row) {
      var tokens = raw.split(/[\s,;]+/).filter(Boolean);
      var last = row || null;
      tokens.forEach(function (tok) {
        var role = tok.indexOf("@") < 0 ? roleOf(tok) : "";
        if (role && last) { last.querySelector("select").value = role; return; }
        if (last && !last.querySelector("input").value) last.querySelector("input").value = tok;
        else last = add(tok);
      });
      return last;
    };
    addMany(text.value);
    if (!list.children.length) add("");
    text.value = "";
    text.disabled = true;
    form.querySelectorAll("[data-invite-text]").forEach(function (f) { f.hidden = true; });
    rows.hidden = false;
    form.querySelector("[data-invite-add]").addEventListener("click", function () {
      add("").querySelector("input").focus();
    });
    list.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-invite-remove]");
      if (!remove) return;
      remove.closest(".invite-row").remove();
      if (!list.children.length) add("");
      list.querySelector("input").focus();
    });
    list.addEventListener("paste", function (event) {
      var input = event.target;
      if (!input.matches || !input.matches("input[name=row_email]")) return;
      var raw = (event.clipboardData || window.clipboardData).getData("text");
      if (!/[\s,;]/.test(raw.trim())) return;
      event.preventDefault();
      addMany(raw, input.closest(".invite-row"));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-invite-form]").forEach(enhanceInviteForm);
    document.querySelectorAll("[data-tabs]").forEach(enhanceTabs);
    document.querySelectorAll("form[data-cue-editor]").forEach(enhanceCueEditor);
    var dialog = document.getElementById("page-dialog");
    if (dialog && document.querySelector("[data-access-summary]")) dialog.addEventListener("close", refreshAccessSummary);
  });
})();
