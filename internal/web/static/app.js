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
          if (fresh && list) list.replaceWith(document.adoptNode(fresh));
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

  // Menus close when a click lands outside them, or on Escape.
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
})();
