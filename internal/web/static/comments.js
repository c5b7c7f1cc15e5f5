// Comments beside the player and under drafts: forms sent in place, the
// list fetched again (already rendered by the server) whenever the
// item's comments change, markers on the video's timeline, the list
// following playback, "Comment at m:ss", ?t= honoured, and @ mentions
// completed from the workspace's members. Without this script the same
// forms post and the page reloads.
(function () {
  "use strict";

  function video() { return document.querySelector(".media-card video"); }

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    var ss = (s < 10 ? "0" : "") + s;
    if (h > 0) return h + ":" + (m < 10 ? "0" : "") + m + ":" + ss;
    return m + ":" + ss;
  }

  function seek(ms) {
    var v = video();
    if (!v) return;
    v.currentTime = ms / 1000;
  }

  // startAt honours ?t=seconds on a video's page, once it can seek.
  function startAt() {
    var t = Number(new URLSearchParams(location.search).get("t"));
    var v = video();
    if (!v || !isFinite(t) || t <= 0) return;
    var go = function () { v.currentTime = t; };
    if (v.readyState >= 1) go();
    else v.addEventListener("loadedmetadata", go, { once: true });
  }

  function init(panel) {
    var list = function () { return panel.querySelector("[data-comment-list]"); };
    var current = null;

    // --- Timeline markers -------------------------------------------------
    function markers() {
      var v = video();
      var player = v && v.closest(".player");
      if (!player) return;
      var bar = document.querySelector("[data-comment-markers]");
      if (!bar) {
        bar = document.createElement("div");
        bar.className = "comment-markers";
        bar.setAttribute("data-comment-markers", "");
        bar.setAttribute("role", "group");
        bar.setAttribute("aria-label", panel.dataset.timelineLabel || "");
        player.insertAdjacentElement("afterend", bar);
      }
      bar.textContent = "";
      var duration = v.duration;
      if (!isFinite(duration) || duration <= 0) return;
      list().querySelectorAll("[data-comment][data-at-ms]").forEach(function (li) {
        var ms = Number(li.dataset.atMs);
        var m = document.createElement("button");
        m.type = "button";
        m.className = "comment-marker";
        m.setAttribute("data-marker", li.id);
        m.style.left = Math.min(100, (ms / 1000 / duration) * 100) + "%";
        var label = li.dataset.author + " · " + clock(ms / 1000) + " · " + li.dataset.excerpt;
        m.setAttribute("aria-label", label);
        var tip = document.createElement("span");
        tip.className = "comment-marker-tip";
        tip.textContent = label;
        m.appendChild(tip);
        m.addEventListener("click", function () {
          seek(ms);
          follow(ms / 1000, true);
        });
        bar.appendChild(m);
      });
    }

    // --- The list follows playback ---------------------------------------
    function follow(seconds, force) {
      var l = list();
      var best = null;
      l.querySelectorAll("[data-comment][data-at-ms]").forEach(function (li) {
        if (Number(li.dataset.atMs) <= seconds * 1000 + 250) best = li;
      });
      if (best === current && !force) return;
      if (current) { current.classList.remove("current"); current.removeAttribute("aria-current"); }
      current = best;
      if (!best) return;
      best.classList.add("current");
      best.setAttribute("aria-current", "true");
      // Scroll the list, not the page.
      if (l.scrollHeight > l.clientHeight) {
        var top = best.offsetTop - l.offsetTop;
        if (top < l.scrollTop || top + best.offsetHeight > l.scrollTop + l.clientHeight) {
          l.scrollTop = Math.max(0, top - 8);
        }
      }
    }

    // --- "Comment at m:ss" -------------------------------------------------
    var atButton = panel.querySelector("[data-comment-at]");
    var atField = panel.querySelector("[name=comment_at]");
    function labelAt(seconds) {
      if (atButton) atButton.textContent = (panel.dataset.atLabel || "{time}").replace("{time}", clock(seconds));
    }
    if (atButton && video()) {
      atButton.hidden = false;
      labelAt(0);
      atButton.addEventListener("click", function () {
        var v = video();
        if (!v) return;
        v.pause();
        if (atField) atField.value = clock(v.currentTime);
        var body = panel.querySelector("[data-new-comment] textarea");
        if (body) body.focus();
      });
    }

    document.addEventListener("timeupdate", function (event) {
      if (event.target !== video()) return;
      labelAt(event.target.currentTime);
      follow(event.target.currentTime, false);
    }, true);
    ["loadedmetadata", "durationchange"].forEach(function (type) {
      document.addEventListener(type, function (event) { if (event.target === video()) markers(); }, true);
    });

    // --- Fetching the list again -------------------------------------------
    var fetching = null, again = false, pending = false;
    function refresh() {
      if (fetching) { again = true; return fetching; }
      fetching = fetch(panel.dataset.fragment, { credentials: "same-origin" })
        .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.querySelector("[data-comment-list]");
          if (!fresh) return;
          var open = {};
          list().querySelectorAll("details[open]").forEach(function (d) {
            var li = d.closest("li[id]");
            if (li && !d.querySelector("textarea:focus")) open[li.id + d.className] = true;
          });
          // Keep a reply or an edit being typed: the list is fetched
          // again once the focus leaves it.
          if (list().contains(document.activeElement)) { pending = true; return; }
          fresh.querySelectorAll("details").forEach(function (d) {
            var li = d.closest("li[id]");
            if (li && open[li.id + d.className]) d.open = true;
          });
          list().replaceWith(document.adoptNode(fresh));
          if (window.Troupe && window.Troupe.localiseTimes) window.Troupe.localiseTimes(fresh);
          current = null;
          markers();
          var v = video();
          if (v) follow(v.currentTime, true);
        })
        .catch(function () { /* the list stays as it was */ })
        .then(function () {
          fetching = null;
          if (again) { again = false; setTimeout(refresh, 300); }
        });
      return fetching;
    }
    // A reply or an edit left: pick up what came meanwhile.
    panel.addEventListener("focusout", function () { if (pending) { pending = false; setTimeout(refresh, 300); } });

    // --- Forms in place ------------------------------------------------------
    function offer(people) {
      var box = panel.querySelector("[data-comment-offers]");
      if (!box) return;
      box.textContent = "";
      (people || []).forEach(function (p) {
        var form = document.createElement("form");
        form.className = "banner banner-info comment-offer";
        form.method = "post";
        form.action = panel.dataset.shareAction;
        form.setAttribute("data-comment-action", "");
        var id = document.createElement("input");
        id.type = "hidden"; id.name = "user_id"; id.value = p.id;
        var text = document.createElement("span");
        text.textContent = (panel.dataset.unreachable || "{name}").replace("{name}", p.name);
        var button = document.createElement("button");
        button.className = "btn btn-small";
        button.type = "submit";
        button.textContent = panel.dataset.shareLabel || "";
        form.append(id, text, button);
        box.appendChild(form);
      });
    }

    panel.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || !(form.hasAttribute("data-comment-form") || form.hasAttribute("data-comment-action"))) return;
      if (!window.Troupe || !window.Troupe.sendInPlace) return;
      event.preventDefault();
      var button = form.querySelector("[type=submit]");
      if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
      window.Troupe.sendInPlace(form.action, new URLSearchParams(new FormData(form))).then(function (answer) {
        window.Troupe.toast(answer.message);
        if (form.hasAttribute("data-comment-form")) {
          var body = form.querySelector("textarea");
          if (body && form.hasAttribute("data-new-comment")) body.value = "";
          if (atField && form.contains(atField)) atField.value = "";
          var d = form.closest("details");
          if (d) d.open = false;
        }
        if (form.classList.contains("comment-offer")) form.remove();
        if (answer.data && answer.data.unreachable_mentions) offer(answer.data.unreachable_mentions);
        if (document.activeElement && list().contains(document.activeElement)) document.activeElement.blur();
        return refresh();
      }, function (problem) {
        if (problem) window.Troupe.toast(problem.detail || problem.title, { error: true });
      }).then(function () {
        if (button) { button.disabled = false; button.removeAttribute("aria-busy"); }
      });
    });

    panel.addEventListener("click", function (event) {
      var b = event.target.closest && event.target.closest("[data-seek]");
      if (b) seek(Number(b.dataset.seek));
    });

    // --- Live ------------------------------------------------------------------
    if (window.EventSource && panel.dataset.stream) {
      // The stream's first event (and the first after a reconnection)
      // refreshes too: a comment made between the page and the stream, or
      // while the stream was cut, is not missed. data-synced then says the
      // list is the live one.
      var source = new EventSource(panel.dataset.stream);
      source.addEventListener("comments", function () {
        refresh().then(function () { panel.dataset.synced = "1"; });
      });
      source.addEventListener("error", function () {
        if (source.readyState === EventSource.CLOSED && window.Troupe) window.Troupe.toast(panel.dataset.liveError, { error: true });
      });
      window.addEventListener("pagehide", function () { source.close(); });
    }

    // A link to one comment shows it.
    if (panel.dataset.focus) {
      var target = document.getElementById("c-" + panel.dataset.focus);
      if (target) target.scrollIntoView({ block: "center" });
    }
    panel.querySelectorAll("textarea[data-mention]").forEach(function (t) { mentions(t, panel.dataset.ws, panel.dataset.mentionLabel); });
    panel.addEventListener("focusin", function (event) {
      var t = event.target;
      if (t.matches && t.matches("textarea[data-mention]")) mentions(t, panel.dataset.ws, panel.dataset.mentionLabel);
    });
    markers();
  }

  // --- @ mentions ----------------------------------------------------------------
  var lists = 0;
  function mentions(area, ws, label) {
    if (area.dataset.mentions) return;
    area.dataset.mentions = "1";
    var id = "mention-list-" + (++lists);
    var box = document.createElement("ul");
    box.className = "mention-list";
    box.id = id;
    box.setAttribute("role", "listbox");
    box.setAttribute("aria-label", label || "");
    box.hidden = true;
    area.insertAdjacentElement("afterend", box);
    area.setAttribute("role", "combobox");
    area.setAttribute("aria-autocomplete", "list");
    area.setAttribute("aria-controls", id);
    area.setAttribute("aria-expanded", "false");
    var people = [], active = -1, timer = null, asked = "";

    function token() {
      var before = area.value.slice(0, area.selectionStart);
      var m = /(^|\s)@([^\s@]*)$/.exec(before);
      return m ? { query: m[2], start: before.length - m[2].length - 1 } : null;
    }
    function close() {
      box.hidden = true;
      area.setAttribute("aria-expanded", "false");
      area.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function show() {
      box.textContent = "";
      if (!people.length) { close(); return; }
      people.forEach(function (p, i) {
        var li = document.createElement("li");
        li.id = id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        var name = document.createElement("span");
        name.className = "mention-name";
        name.textContent = p.name;
        var email = document.createElement("span");
        email.className = "mention-email";
        email.textContent = p.email;
        li.append(name, email);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        box.appendChild(li);
      });
      box.hidden = false;
      area.setAttribute("aria-expanded", "true");
      if (active >= 0) area.setAttribute("aria-activedescendant", id + "-" + active);
    }
    function choose(i) {
      var t = token();
      var p = people[i];
      if (!t || !p) return;
      var insert = "@" + p.email + " ";
      area.value = area.value.slice(0, t.start) + insert + area.value.slice(area.selectionStart);
      var at = t.start + insert.length;
      area.setSelectionRange(at, at);
      close();
    }
    function lookup() {
      var t = token();
      if (!t) { close(); return; }
      var q = t.query;
      if (q === asked && !box.hidden) return;
      asked = q;
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch("/api/v1/workspaces/" + encodeURIComponent(ws) + "/members?status=active&limit=8&q=" + encodeURIComponent(q),
          { credentials: "same-origin" })
          .then(function (res) { return res.ok ? res.json() : Promise.reject(res.status); })
          .then(function (answer) {
            if (asked !== q) return;
            people = (answer.items || []).filter(function (m) { return m.user; }).map(function (m) {
              return { name: m.user.name || m.email, email: m.email };
            });
            active = people.length ? 0 : -1;
            show();
          })
          .catch(close);
      }, 120);
    }
    // The key that chose a person writes nothing, whichever way the
    // browser delivers its character.
    var swallow = false;
    area.addEventListener("keypress", function (event) {
      if (swallow && event.key === "Enter") event.preventDefault();
    });
    area.addEventListener("beforeinput", function (event) {
      if (swallow && (event.inputType === "insertLineBreak" || event.inputType === "insertParagraph")) event.preventDefault();
    });
    area.addEventListener("keyup", function () { swallow = false; });
    area.addEventListener("input", lookup);
    area.addEventListener("blur", function () { setTimeout(close, 100); });
    area.addEventListener("keydown", function (event) {
      if (box.hidden) return;
      switch (event.key) {
        case "ArrowDown":
        case "ArrowUp":
          event.preventDefault();
          active = (active + (event.key === "ArrowDown" ? 1 : people.length - 1)) % people.length;
          show();
          break;
        case "Enter":
        case "Tab":
          if (active >= 0) { event.preventDefault(); swallow = event.key === "Enter"; choose(active); }
          break;
        case "Escape":
          event.preventDefault();
          close();
          break;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    startAt();
    var panel = document.querySelector("[data-comments]");
    if (panel) init(panel);
  });
})();
