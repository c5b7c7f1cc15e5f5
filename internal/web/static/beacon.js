// Viewer analytics: a <video data-beacon="/v/{slug}/events"> reports the
// ranges of the video watched in this page's session — all of them each
// time, so a lost or repeated report does no harm — every few seconds
// while it plays, when it pauses or ends, and when the page goes away.
(function () {
  "use strict";

  var every = 5000; // ms between reports while playing

  function randomId() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }

  function track(video) {
    var url = video.dataset.beacon;
    if (!url || video.dataset.beaconOn) return;
    video.dataset.beaconOn = "1";
    var session = randomId();
    var ranges = []; // merged [start, end) in ms
    var from = null; // start of the range being watched
    var last = null; // the last instant seen in it
    var sent = "";
    var sentAt = 0;

    function now() { return Math.round(video.currentTime * 1000); }

    function add(s, e) {
      if (!(e > s)) return;
      ranges.push([s, e]);
      ranges.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
      var out = [];
      ranges.forEach(function (r) {
        var top = out[out.length - 1];
        if (top && r[0] <= top[1]) top[1] = Math.max(top[1], r[1]);
        else out.push([r[0], r[1]]);
      });
      ranges = out;
    }

    // mark follows playback; a jump (a seek, a stall) starts a new range.
    function mark() {
      var t = now();
      if (from === null || t < last || t - last > 2500) {
        if (from !== null) add(from, last);
        from = t;
      }
      last = t;
    }

    function cut() {
      if (from !== null) add(from, last);
      from = null;
      last = null;
    }

    function send() {
      var watched = ranges.slice();
      if (from !== null && last > from) watched.push([from, last]);
      if (!watched.length) return;
      var body = JSON.stringify({ session: session, watched: watched });
      if (body === sent) return;
      sent = body;
      sentAt = Date.now();
      var queued = false;
      try { queued = navigator.sendBeacon && navigator.sendBeacon(url, body); } catch (e) { queued = false; }
      if (!queued && window.fetch) {
        fetch(url, { method: "POST", body: body, keepalive: true, credentials: "same-origin",
          headers: { "Content-Type": "text/plain;charset=UTF-8" } }).catch(function () {});
      }
    }

    video.addEventListener("playing", function () { from = now(); last = from; });
    video.addEventListener("timeupdate", function () {
      if (video.paused || video.seeking) return;
      mark();
      if (Date.now() - sentAt >= every) send();
    });
    video.addEventListener("seeking", cut);
    video.addEventListener("pause", function () {
      if (from !== null) mark();
      cut();
      send();
    });
    video.addEventListener("ended", function () {
      if (from !== null) {
        mark();
        if (isFinite(video.duration)) last = Math.max(last, Math.round(video.duration * 1000));
      }
      cut();
      send();
    });
    window.addEventListener("pagehide", function () {
      if (!video.paused) mark();
      send();
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") send();
    });
  }

  function start() {
    document.querySelectorAll("video[data-beacon]").forEach(track);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
