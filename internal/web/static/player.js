// The video player and the work on uploads: HLS where the video has a
// ladder (natively where the browser plays HLS, through the vendored
// hls.js where it has Media Source Extensions, else the MP4 sources),
// the processing state followed live, and the poster chosen from the
// player's current frame.
(function () {
  "use strict";

  // attachHLS plays a video's HLS ladder. hls.js is fetched only for a
  // video that has one, and the MP4 sources stay as they are when
  // neither way is open.
  function attachHLS(video) {
    var url = video.dataset.hls;
    if (!url || video.dataset.hlsAttached) return;
    video.dataset.hlsAttached = "1";
    if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = url;
      video.dataset.playing = "hls-native";
      return;
    }
    if (!window.MediaSource) return;
    loadScript(video.dataset.hlsScript).then(function () {
      if (!window.Hls || !window.Hls.isSupported()) return;
      var hls = new window.Hls({ capLevelToPlayerSize: true });
      hls.on(window.Hls.Events.ERROR, function (event, data) {
        if (!data.fatal) return;
        // A ladder that cannot be played gives the MP4 sources back.
        hls.destroy();
        video.removeAttribute("src");
        video.dataset.playing = "mp4";
        video.load();
      });
      hls.loadSource(url);
      hls.attachMedia(video);
      video.dataset.playing = "hls";
    }).catch(function () { /* the MP4 sources play */ });
  }

  var scripts = {};
  function loadScript(src) {
    if (!scripts[src]) {
      scripts[src] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = src;
        s.onload = resolve;
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return scripts[src];
  }

  // followProcessing updates an item's processing state from the server's
  // events; once it is ready, the player and its facts are fetched again
  // so the renditions and the poster play without a reload.
  function followProcessing(box) {
    if (!window.EventSource || box.dataset.following) return;
    var state = box.dataset.state;
    if (state !== "queued" && state !== "running") return;
    box.dataset.following = "1";
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-processing-text]");
    var source = new EventSource(box.dataset.stream);
    source.addEventListener("processing", function (event) {
      var data = JSON.parse(event.data);
      var p = data.processing || {};
      box.dataset.state = p.state || "";
      var pct = Math.round(Math.max(0, Math.min(1, p.progress || 0)) * 100);
      if (bar) bar.value = pct;
      var label = box.dataset["t" + (p.state || "").charAt(0).toUpperCase() + (p.state || "").slice(1)] || "";
      if (text) text.textContent = p.state === "ready" ? label : label + " · " + pct + "%";
      if (p.state === "ready" || p.state === "failed") {
        source.close();
        refreshMedia();
      }
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) box.dataset.following = "";
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  // refreshMedia swaps the player, the processing state and the facts of
  // the page for fresh ones, leaving the forms being typed in alone.
  function refreshMedia() {
    fetch(location.href, { credentials: "same-origin" })
      .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        [".media-card .player", ".media-card [data-processing]", ".media-card .media-facts"].forEach(function (sel) {
          var now = document.querySelector(sel), fresh = doc.querySelector(sel);
          if (now && fresh) {
            fresh = document.adoptNode(fresh);
            now.replaceWith(fresh);
            init(fresh.parentNode);
          } else if (now) {
            now.remove();
          }
        });
      })
      .catch(function () { /* the state line already says ready */ });
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(seconds) {
    var ms = Math.round(seconds * 1000);
    var h = Math.floor(ms / 3600000), m = Math.floor(ms / 60000) % 60, s = Math.floor(ms / 1000) % 60;
    var frac = String(ms % 1000);
    while (frac.length < 3) frac = "0" + frac;
    return (h ? h + ":" + pad(m) : String(m)) + ":" + pad(s) + "." + frac;
  }

  // The poster form: with a player, its button takes the current frame;
  // the answer comes in place with a toast.
  function enhancePoster(form) {
    if (form.dataset.enhanced) return;
    form.dataset.enhanced = "1";
    // The player is looked up each time: it is swapped once processing
    // has made the rendition.
    var player = function () { return document.querySelector(".media-card video"); };
    var field = form.querySelector("[name=at]");
    var button = form.querySelector("[data-poster-now]");
    if (player() && button) button.querySelector("span").textContent = form.dataset.frame;
    document.addEventListener("timeupdate", function (event) {
      if (event.target === player()) field.placeholder = clock(event.target.currentTime);
    }, true);
    form.addEventListener("submit", function (event) {
      var video = player();
      if (field.value.trim() || !video) return; // a typed time goes the plain way
      event.preventDefault();
      var at = Math.round(video.currentTime * 1000);
      button.setAttribute("aria-busy", "true");
      fetch(form.dataset.api, {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ at_ms: at })
      }).then(function (res) {
        if (!res.ok) return Promise.reject(res.status);
        window.Troupe.toast(form.dataset.done);
        form.dataset.chosen = String(at);
      }).catch(function () {
        field.value = clock(at);
        form.submit(); // the page explains what went wrong
      }).finally(function () { button.removeAttribute("aria-busy"); });
    });
  }

  function init(root) {
    root.querySelectorAll("video[data-hls]").forEach(attachHLS);
    root.querySelectorAll("[data-processing]").forEach(followProcessing);
    root.querySelectorAll("form[data-poster-form]").forEach(enhancePoster);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
