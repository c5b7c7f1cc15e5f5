// Resumable uploads in the browser: a small tus 1.0.0 client (creation,
// resumption from the server's offset, termination), the list of files
// being sent with progress, speed and time left, pause and resume, and
// the drop zone of Home and folders. Pages without JavaScript keep the
// plain multipart form.
(function () {
  "use strict";

  var chunkSize = 16 * 1024 * 1024;
  // Waits before each new try after a dropped connection or a server that
  // does not answer; the last one repeats until the upload is paused.
  var retryDelays = [500, 1000, 2000, 4000, 8000, 15000, 30000];

  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (all, k) { return k in values ? values[k] : all; });
  }

  function b64(text) {
    return btoa(unescape(encodeURIComponent(text)));
  }

  // kindOf infers an item's kind from a file: its type first, then its
  // name's extension; "" when neither says.
  var extensions = {
    video: ["mp4", "m4v", "mov", "webm", "mkv", "avi", "mpg", "mpeg", "ogv"],
    avatar: ["png", "jpg", "jpeg", "webp", "gif"],
    voice: ["mp3", "wav", "m4a", "aac", "ogg", "oga", "flac", "opus"]
  };
  function kindOf(file) {
    var t = file.type || "";
    if (t.indexOf("video/") === 0) return "video";
    if (t.indexOf("image/") === 0) return "avatar";
    if (t.indexOf("audio/") === 0) return "voice";
    var ext = (file.name.split(".").pop() || "").toLowerCase();
    for (var kind in extensions) {
      if (extensions[kind].indexOf(ext) >= 0) return kind;
    }
    return "";
  }

  // Upload sends one file to a tus endpoint. Its URL is kept in
  // localStorage under the file's fingerprint, so choosing the same file
  // again after a reload carries on where the server stopped.
  function Upload(file, endpoint, metadata, on) {
    this.file = file;
    this.endpoint = endpoint;
    this.metadata = metadata;
    this.on = on;
    this.offset = 0;
    this.state = "idle"; // idle, running, paused, done, failed
    this.tries = 0;
    this.xhr = null;
    this.timer = null;
    this.key = "troupe-tus:" + [endpoint, metadata.kind, metadata.parent_id || "", file.name, file.size, file.lastModified].join("|");
  }

  Upload.prototype.request = function (method, url, headers, body, progress) {
    var self = this;
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      self.xhr = xhr;
      xhr.open(method, url);
      xhr.setRequestHeader("Tus-Resumable", "1.0.0");
      xhr.setRequestHeader("Accept", "application/json");
      for (var h in headers) xhr.setRequestHeader(h, headers[h]);
      if (progress) xhr.upload.addEventListener("progress", function (e) { progress(e.loaded); });
      xhr.addEventListener("load", function () { self.xhr = null; resolve(xhr); });
      xhr.addEventListener("error", function () { self.xhr = null; reject(null); });
      xhr.addEventListener("abort", function () { self.xhr = null; reject("abort"); });
      xhr.send(body || null);
    });
  };

  // problemOf reads a problem+json answer; null when it is not one.
  function problemOf(xhr) {
    try { return JSON.parse(xhr.responseText); } catch (e) { return null; }
  }

  Upload.prototype.start = function () {
    if (this.state === "running" || this.state === "done") return;
    this.state = "running";
    this.on.change(this);
    var self = this;
    var url = localStorage.getItem(this.key);
    (url ? this.resumeAt(url) : this.create()).then(function () { return self.send(); }).catch(function (why) { self.failed(why); });
  };

  Upload.prototype.create = function () {
    var self = this;
    var meta = [];
    for (var k in this.metadata) {
      if (this.metadata[k] !== "" && this.metadata[k] != null) meta.push(k + " " + b64(String(this.metadata[k])));
    }
    return this.request("POST", this.endpoint, {
      "Upload-Length": String(this.file.size),
      "Upload-Metadata": meta.join(",")
    }).then(function (xhr) {
      if (xhr.status !== 201) return Promise.reject(xhr);
      self.url = new URL(xhr.getResponseHeader("Location"), location.href).href;
      self.offset = 0;
      localStorage.setItem(self.key, self.url);
    });
  };

  // resumeAt asks the server how much of an earlier upload it holds; an
  // upload it no longer knows is made anew.
  Upload.prototype.resumeAt = function (url) {
    var self = this;
    return this.request("HEAD", url, {}).then(function (xhr) {
      if (xhr.status === 200 || xhr.status === 204) {
        self.url = url;
        self.offset = Number(xhr.getResponseHeader("Upload-Offset")) || 0;
        return;
      }
      if (xhr.status >= 500 || xhr.status === 0) return Promise.reject(xhr);
      localStorage.removeItem(self.key);
      return self.create();
    });
  };

  Upload.prototype.send = function () {
    var self = this;
    if (this.state !== "running") return Promise.resolve();
    var end = Math.min(this.offset + chunkSize, this.file.size);
    var from = this.offset;
    return this.request("PATCH", this.url, {
      "Content-Type": "application/offset+octet-stream",
      "Upload-Offset": String(from)
    }, this.file.slice(from, end), function (loaded) {
      self.on.progress(self, from + loaded);
    }).then(function (xhr) {
      if (xhr.status === 409) { // the server holds another offset: ask it
        return self.resumeAt(self.url).then(function () { return self.send(); });
      }
      if (xhr.status !== 204) return Promise.reject(xhr);
      self.tries = 0;
      self.offset = Number(xhr.getResponseHeader("Upload-Offset"));
      self.on.progress(self, self.offset);
      if (self.offset < self.file.size) return self.send();
      localStorage.removeItem(self.key);
      self.state = "done";
      self.itemID = xhr.getResponseHeader("Troupe-Item-Id");
      self.on.done(self);
    });
  };

  // failed retries what a connection or a restart interrupted, and gives
  // up on what the server refused, saying why.
  Upload.prototype.failed = function (why) {
    if (why === "abort" || this.state !== "running") return;
    var xhr = why && why.status !== undefined ? why : null;
    var retry = !xhr || xhr.status === 0 || xhr.status >= 500 || xhr.status === 423 || xhr.status === 429;
    if (retry) {
      var self = this;
      var wait = retryDelays[Math.min(this.tries, retryDelays.length - 1)];
      this.tries++;
      this.state = "waiting";
      this.on.change(this);
      this.timer = setTimeout(function () { self.timer = null; self.state = "idle"; self.start(); }, wait);
      return;
    }
    if (xhr && xhr.status === 404) localStorage.removeItem(this.key);
    this.state = "failed";
    this.problem = xhr ? problemOf(xhr) : null;
    this.on.change(this);
  };

  Upload.prototype.pause = function () {
    if (this.state !== "running" && this.state !== "waiting") return;
    this.state = "paused";
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.xhr) this.xhr.abort();
    this.on.change(this);
  };

  Upload.prototype.resume = function () {
    if (this.state !== "paused" && this.state !== "failed") return;
    this.state = "idle";
    this.tries = 0;
    this.start();
  };

  // cancel stops the upload and asks the server to drop what it holds.
  Upload.prototype.cancel = function () {
    var wasDone = this.state === "done";
    this.pause();
    this.state = "cancelled";
    localStorage.removeItem(this.key);
    if (this.url && !wasDone) this.request("DELETE", this.url, {}).catch(function () {});
    this.on.change(this);
  };

  // Speed is measured over the last few seconds, so a pause or a slow
  // start does not skew the time left for long.
  function Meter() { this.samples = []; }
  Meter.prototype.add = function (bytes) {
    var now = Date.now();
    this.samples.push([now, bytes]);
    while (this.samples.length > 2 && now - this.samples[0][0] > 5000) this.samples.shift();
  };
  Meter.prototype.rate = function () {
    if (this.samples.length < 2) return 0;
    var a = this.samples[0], b = this.samples[this.samples.length - 1];
    return b[0] > a[0] ? (b[1] - a[1]) * 1000 / (b[0] - a[0]) : 0;
  };

  function sizeText(bytes, units) {
    var u = units.split(",");
    var i = 0;
    while (bytes >= 1000 && i < u.length - 1) { bytes /= 1000; i++; }
    return (i ? bytes.toFixed(bytes < 10 ? 1 : 0) : Math.round(bytes)) + " " + u[i];
  }

  // List shows files being sent: one row each with a bar, what is left,
  // and Pause/Resume and Cancel. Its strings come from the element's
  // data-t-* attributes, in the page's language.
  function List(box, opts) {
    this.box = box;
    this.rows = box.querySelector("[data-upload-rows]");
    this.summary = box.querySelector("[data-upload-summary]");
    this.t = box.dataset;
    this.opts = opts;
    this.uploads = [];
  }

  List.prototype.text = function (key, values) { return fill(this.t["t" + key], values || {}); };

  List.prototype.add = function (file, kind, meta) {
    var list = this;
    var row = document.createElement("li");
    row.className = "upload-row";
    row.innerHTML = '<div class="upload-row-head"><span class="upload-name"></span><span class="upload-actions">' +
      '<button type="button" class="btn btn-small" data-pause></button>' +
      '<button type="button" class="btn btn-small btn-ghost" data-cancel></button></span></div>' +
      '<progress max="100" value="0"></progress><p class="hint num upload-status" aria-live="polite"></p>';
    row.querySelector(".upload-name").textContent = file.name;
    var bar = row.querySelector("progress");
    var status = row.querySelector(".upload-status");
    var pauseBtn = row.querySelector("[data-pause]");
    var cancelBtn = row.querySelector("[data-cancel]");
    cancelBtn.textContent = this.text("Cancel");
    bar.setAttribute("aria-label", file.name);
    this.rows.appendChild(row);
    this.box.hidden = false;
    var meter = new Meter();
    var metadata = { kind: kind, filename: file.name, name: meta.name || "", parent_id: meta.parent_id || "", description: meta.description || "" };
    var up = new Upload(file, this.opts.endpoint, metadata, {
      progress: function (u, sent) {
        meter.add(sent);
        var pct = u.file.size ? Math.min(100, Math.floor(sent / u.file.size * 100)) : 100;
        bar.value = pct;
        row.dataset.percent = String(pct);
        var rate = meter.rate();
        if (pct >= 100) { status.textContent = list.text("Finishing"); return; }
        status.textContent = list.text("Progress", {
          percent: pct,
          speed: rate ? sizeText(rate, list.t.tUnits) + "/s" : "…",
          time: rate ? list.timeLeft((u.file.size - sent) / rate) : "…"
        });
      },
      change: function (u) { list.show(u, row, status, pauseBtn); },
      done: function (u) { list.show(u, row, status, pauseBtn); list.finished(u); }
    });
    pauseBtn.addEventListener("click", function () {
      if (up.state === "paused" || up.state === "failed") up.resume(); else up.pause();
    });
    cancelBtn.addEventListener("click", function () {
      if (up.state === "done") { row.remove(); list.update(); return; }
      up.cancel();
      row.remove();
      list.uploads.splice(list.uploads.indexOf(up), 1);
      list.update();
    });
    this.uploads.push(up);
    this.update();
    up.start();
    return up;
  };

  List.prototype.timeLeft = function (seconds) {
    if (seconds < 60) return this.text("Seconds", { n: Math.max(1, Math.ceil(seconds)) });
    return this.text("Minutes", { n: Math.ceil(seconds / 60) });
  };

  List.prototype.show = function (u, row, status, pauseBtn) {
    row.dataset.state = u.state;
    pauseBtn.hidden = u.state === "done" || u.state === "cancelled";
    row.querySelector("[data-cancel]").textContent = u.state === "done" ? this.text("Dismiss") : this.text("Cancel");
    pauseBtn.textContent = u.state === "paused" || u.state === "failed" ? this.text("Resume") : this.text("Pause");
    if (u.state === "paused") status.textContent = this.text("Paused", { percent: row.dataset.percent || 0 });
    if (u.state === "waiting") status.textContent = this.text("Reconnecting");
    if (u.state === "failed") {
      var code = u.problem && (u.problem.errors && u.problem.errors.length ? u.problem.errors[0].code : u.problem.code);
      var key = code ? "error" + code.charAt(0).toUpperCase() + code.slice(1) : "";
      status.textContent = (key && this.box.dataset[key]) || (u.problem && u.problem.detail) || this.text("Failed");
      status.classList.add("field-error");
      if (this.opts.onFail) this.opts.onFail(u, status.textContent);
    } else {
      status.classList.remove("field-error");
    }
    if (u.state === "done") {
      status.textContent = "";
      var link = document.createElement("a");
      link.href = this.opts.itemBase + encodeURIComponent(u.itemID);
      link.textContent = this.text("Done");
      status.appendChild(link);
    }
    this.update();
  };

  List.prototype.active = function () {
    return this.uploads.filter(function (u) { return u.state !== "done" && u.state !== "cancelled" && u.state !== "failed"; }).length;
  };

  List.prototype.update = function () {
    var n = this.active();
    if (this.summary) {
      var done = this.uploads.filter(function (u) { return u.state === "done"; }).length;
      this.summary.textContent = n ? this.text(n === 1 ? "SendingOne" : "Sending", { n: n }) : this.text(done === 1 ? "AllDoneOne" : "AllDone", { n: done });
    }
    if (!this.rows.children.length && this.opts.hideWhenEmpty) this.box.hidden = true;
  };

  List.prototype.finished = function (u) {
    if (this.opts.onDone) this.opts.onDone(u, this.active() === 0);
  };

  // A page with uploads under way asks before it is left.
  var lists = [];
  window.addEventListener("beforeunload", function (event) {
    if (lists.some(function (l) { return l.active() > 0; })) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  window.addEventListener("online", function () {
    lists.forEach(function (l) {
      l.uploads.forEach(function (u) {
        if (u.state === "waiting" && u.timer) { clearTimeout(u.timer); u.timer = null; u.state = "idle"; u.start(); }
      });
    });
  });

  // The upload page's form sends its files by tus: one file opens its
  // item, several come back to the folder.
  function enhanceForm(form) {
    if (form.dataset.enhanced) return;
    form.dataset.enhanced = "1";
    var kind = form.querySelector("[name=kind]");
    var input = form.querySelector("input[type=file]");
    var errorBox = form.querySelector("[data-upload-error]");
    var box = form.querySelector("[data-upload-list]");
    input.multiple = true;
    kind.addEventListener("change", function () { input.accept = kind.selectedOptions[0].dataset.accept; });
    var done = [];
    var list = new List(box, {
      endpoint: form.dataset.tus,
      itemBase: form.dataset.itemBase,
      onDone: function (u, all) {
        done.push(u);
        if (!all) return;
        var ok = list.uploads.filter(function (x) { return x.state === "done"; });
        if (ok.length !== list.uploads.length) return; // a failed file stays in view
        sessionStorage.setItem("troupe-toast", ok.length === 1 ? form.dataset.done : fill(form.dataset.doneMany, { n: ok.length }));
        location.href = ok.length === 1 ? form.dataset.itemBase + encodeURIComponent(ok[0].itemID) : form.dataset.back;
      }
    });
    lists.push(list);
    var fail = function (message) {
      errorBox.textContent = message;
      errorBox.hidden = false;
    };
    list.opts.onFail = function (u, message) { if (list.uploads.length === 1) fail(message); };
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      errorBox.hidden = true;
      if (!input.files.length) {
        errorBox.textContent = form.dataset.errorRequired;
        errorBox.hidden = false;
        return;
      }
      var files = Array.prototype.slice.call(input.files);
      var one = files.length === 1;
      files.forEach(function (file) {
        if (!file.size) return fail(form.dataset.errorEmpty);
        var inferred = kindOf(file);
        // One file is sent as the chosen kind, and refused at once when it
        // is plainly another; several are each sent as what they are.
        if (one && inferred && inferred !== kind.value) return fail(box.dataset.errorUnsupported_media_type);
        list.add(file, (one ? kind.value : inferred) || kind.value, {
          name: one ? form.elements.name.value : "",
          parent_id: form.elements.parent_id.value,
          description: one ? form.elements.description.value : ""
        });
      });
      input.value = "";
    });
  }

  // The drop zone: a file dragged anywhere over Home or a folder shows
  // where it will go, and dropping it starts sending it there, in the
  // tray at the bottom of the page; the list is refreshed as files land.
  function enhanceDropZone(zone) {
    var tray = document.querySelector("[data-upload-tray]");
    var overlay = zone.querySelector("[data-drop-overlay]");
    var picker = zone.querySelector("input[type=file]");
    var list = new List(tray, {
      endpoint: zone.dataset.tus,
      itemBase: zone.dataset.itemBase,
      onDone: function () { refreshListing().then(watchPending); }
    });
    lists.push(list);
    var depth = 0;
    function hasFiles(event) {
      return event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0;
    }
    function add(files) {
      Array.prototype.forEach.call(files, function (file) {
        var kind = kindOf(file);
        if (!kind) {
          tray.hidden = false;
          var row = document.createElement("li");
          row.className = "upload-row";
          row.dataset.state = "failed";
          row.innerHTML = '<div class="upload-row-head"><span class="upload-name"></span></div><p class="field-error upload-status"></p>';
          row.querySelector(".upload-name").textContent = file.name;
          row.querySelector(".upload-status").textContent = tray.dataset.errorUnsupported_media_type;
          list.rows.appendChild(row);
          return;
        }
        list.add(file, kind, { parent_id: zone.dataset.parent });
      });
    }
    document.addEventListener("dragenter", function (event) {
      if (!hasFiles(event)) return;
      depth++;
      overlay.hidden = false;
    });
    document.addEventListener("dragleave", function (event) {
      if (!hasFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (!depth) overlay.hidden = true;
    });
    document.addEventListener("dragover", function (event) {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    });
    document.addEventListener("drop", function (event) {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth = 0;
      overlay.hidden = true;
      add(event.dataTransfer.files);
    });
    if (picker) {
      picker.addEventListener("change", function () { add(picker.files); picker.value = ""; });
    }
    var collapse = tray.querySelector("[data-tray-toggle]");
    if (collapse) {
      collapse.addEventListener("click", function () {
        var open = collapse.getAttribute("aria-expanded") !== "false";
        collapse.setAttribute("aria-expanded", String(!open));
        list.rows.hidden = open;
      });
    }
  }

  // refreshListing fetches the page again and swaps its listing in, so a
  // new item shows with its processing state without a reload.
  function refreshListing() {
    var current = document.querySelector("[data-listing]");
    if (!current) return Promise.resolve();
    return fetch(location.href, { credentials: "same-origin" })
      .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-listing]");
        if (fresh) current.replaceWith(document.adoptNode(fresh));
      })
      .catch(function () { /* the tray links to the new item all the same */ });
  }

  // While a listed video is being prepared, the list is fetched again
  // every few seconds, so its thumbnail appears without a reload.
  var pendingTimer = null;
  function watchPending() {
    if (pendingTimer || !document.querySelector("[data-listing] [data-processing-row]")) return;
    pendingTimer = setTimeout(function () {
      pendingTimer = null;
      refreshListing().then(watchPending);
    }, 3000);
  }

  function init(root) {
    root.querySelectorAll("form[data-tus]").forEach(enhanceForm);
  }
  window.TroupeUploads = { init: init, kindOf: kindOf };
  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    watchPending();
    var zone = document.querySelector("[data-dropzone]");
    if (zone) enhanceDropZone(zone);
  });
})();
