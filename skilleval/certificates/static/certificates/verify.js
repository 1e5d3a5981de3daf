// Public certificate pages (DOMAIN.md §11). Both pages work without this file as far as they can:
//
// - The lookup page (/verify/) posts its form as usual. Here the form is sent with fetch instead, so that
//   when the server asks for a proof of work (after repeated misses, SECURITY.md "Public certificate
//   verification") the browser computes it with SubtleCrypto SHA-256 and sends the same question again,
//   without the ID number ever being written back into the page. Only the answer section is replaced.
// - The offline page (/verify/offline/) checks a QR statement's Ed25519 signature here, with WebCrypto and
//   the public key printed on the page; nothing pasted or scanned leaves the browser.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function bytesOf(binary) {
    var out = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) {
      out[i] = binary.charCodeAt(i);
    }
    return out;
  }

  // -- proof of work: a nonce such that SHA-256(seed + nonce) starts with `bits` zero bits ---------------

  function startsWithZeroBits(bytes, bits) {
    var whole = bits >> 3;
    var rest = bits & 7;
    for (var i = 0; i < whole; i++) {
      if (bytes[i] !== 0) {
        return false;
      }
    }
    return rest === 0 || bytes[whole] >> (8 - rest) === 0;
  }

  function solve(seed, bits) {
    // Digests are asynchronous: asking for a batch at once keeps the browser busy instead of waiting on
    // each promise in turn, several times faster than one at a time.
    var encoder = new TextEncoder();
    var batch = 512;
    var next = 0;
    function round() {
      var start = next;
      var jobs = [];
      next += batch;
      for (var i = 0; i < batch; i++) {
        jobs.push(window.crypto.subtle.digest("SHA-256", encoder.encode(seed + String(start + i))));
      }
      return Promise.all(jobs).then(function (digests) {
        for (var j = 0; j < digests.length; j++) {
          if (startsWithZeroBits(new Uint8Array(digests[j]), bits)) {
            return String(start + j);
          }
        }
        return round();
      });
    }
    return round();
  }

  // -- the lookup page ----------------------------------------------------------------------------------

  function lookupPage() {
    var form = document.getElementById("verify-form");
    if (!form) {
      return;
    }
    var canFetch = Boolean(window.fetch && window.DOMParser && window.FormData);
    var canHash = Boolean(window.crypto && window.crypto.subtle && window.TextEncoder);
    var busy = false;

    function answerBox() {
      return document.getElementById("verify-answer");
    }

    function say(key) {
      var box = answerBox();
      var line = document.createElement("p");
      line.className = "cert-answer cert-neutral";
      line.setAttribute("role", "status");
      line.textContent = box.getAttribute(key);
      box.textContent = "";
      box.appendChild(line);
    }

    function challengeOf(box) {
      if (!box || !box.getAttribute("data-seed")) {
        return null;
      }
      return {
        challenge: box.getAttribute("data-challenge"),
        seed: box.getAttribute("data-seed"),
        bits: parseInt(box.getAttribute("data-bits"), 10),
      };
    }

    function post(data) {
      return fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("verify-answer");
          if (!fresh) {
            throw new Error("no answer in the page");
          }
          return fresh;
        });
    }

    function answerWith(data, challenge) {
      say("data-checking");
      return solve(challenge.seed, challenge.bits).then(function (nonce) {
        data.set("challenge", challenge.challenge);
        data.set("nonce", nonce);
        return ask(data, true);
      });
    }

    function ask(data, solved) {
      return post(data).then(function (fresh) {
        var challenge = challengeOf(fresh);
        if (challenge && !solved && canHash && challenge.bits >= 0 && challenge.bits <= 32) {
          return answerWith(data, challenge);
        }
        // An answer, or a challenge again after solving one (expired, say): show it, the reader asks again.
        answerBox().replaceWith(document.importNode(fresh, true));
        return null;
      });
    }

    function run(work) {
      busy = true;
      form.classList.add("verify-busy");
      work()
        .catch(function () { say("data-failed"); })
        .then(function () {
          busy = false;
          form.classList.remove("verify-busy");
        });
    }

    if (!canFetch) {
      return; // the form posts as usual; the server's page says when JavaScript would be needed
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!busy) {
        run(function () { return ask(new FormData(form), false); });
      }
    });

    // A challenge on a page that was posted without this script (the question's fields are still in the
    // form unless it was asked by ID number, which is never written back): answer it at once.
    var pending = challengeOf(answerBox());
    var fields = form.elements;
    if (pending && canHash && fields.name.value && (fields.number.value || fields.id_number.value)) {
      run(function () { return answerWith(new FormData(form), pending); });
    }
  }

  // -- the offline page ---------------------------------------------------------------------------------

  function fromBase64url(text) {
    if (!/^[A-Za-z0-9_-]+$/.test(text)) {
      throw new Error("not base64url");
    }
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) {
      b64 += "=";
    }
    return bytesOf(window.atob(b64));
  }

  function importKey(pem) {
    if (!window.crypto || !window.crypto.subtle) {
      return Promise.reject(new Error("no WebCrypto here (not a secure page?)"));
    }
    var body = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
    return window.crypto.subtle.importKey("spki", bytesOf(window.atob(body)), { name: "Ed25519" }, false, [
      "verify",
    ]);
  }

  function offlinePage() {
    var form = document.getElementById("offline-form");
    if (!form) {
      return;
    }
    var input = document.getElementById("offline-payload");
    var result = document.getElementById("offline-result");
    var valid = document.getElementById("offline-valid");
    var invalid = document.getElementById("offline-invalid");
    var message = document.getElementById("offline-message");
    var unsupported = document.getElementById("offline-unsupported");
    var online = document.getElementById("offline-online");
    var labels = JSON.parse(document.getElementById("offline-labels").textContent);
    var keyReady = importKey(document.getElementById("public-key").textContent);
    keyReady.catch(function () { unsupported.hidden = false; });

    function show(which, text) {
      valid.hidden = which !== valid;
      invalid.hidden = which !== invalid;
      message.hidden = which !== message;
      if (which === message) {
        message.textContent = text;
      }
    }

    function fill(fields, token) {
      var occupation = labels.occupations[fields[4]];
      var values = {
        number: fields[1],
        name: fields[2],
        id_masked: fields[3],
        occupation: occupation ? occupation + " (" + fields[4] + ")" : fields[4],
        work_type: fields[5],
        level: labels.levels[fields[6]] || fields[6],
        issued_on: fields[7].replace(/^(\d{4})(\d{2})(\d{2})$/, "$1-$2-$3"),
      };
      valid.querySelectorAll("[data-field]").forEach(function (node) {
        node.textContent = values[node.getAttribute("data-field")];
      });
      online.href = online.getAttribute("data-base") + token;
      show(valid);
    }

    function check(text) {
      var token = text.trim();
      var at = token.lastIndexOf("/v/");
      if (at !== -1) {
        token = token.slice(at + 3);
      }
      var parts = token.split(".");
      var statement;
      var signature;
      try {
        if (parts.length !== 2) {
          throw new Error("not statement.signature");
        }
        statement = fromBase64url(parts[0]);
        signature = fromBase64url(parts[1]);
      } catch (err) {
        show(invalid);
        return;
      }
      keyReady.then(
        function (key) {
          return window.crypto.subtle.verify({ name: "Ed25519" }, key, signature, statement).then(function (ok) {
            var fields = null;
            if (ok) {
              try {
                fields = new TextDecoder("utf-8", { fatal: true }).decode(statement).split("|");
              } catch (err) {
                fields = null;
              }
            }
            if (fields && fields.length === 8 && fields[0] === "C1") {
              fill(fields, token);
            } else {
              show(invalid);
            }
          });
        },
        function () {
          show(null);
          unsupported.hidden = false;
        }
      );
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      check(input.value);
    });

    // A link to this page may carry the statement after "#": the fragment never reaches any server.
    function fromFragment() {
      if (window.location.hash.length > 1) {
        input.value = decodeURIComponent(window.location.hash.slice(1));
        check(input.value);
      }
    }
    fromFragment();
    window.addEventListener("hashchange", fromFragment);

    scanning(function (code) {
      input.value = code;
      check(code);
    }, function (key) {
      show(message, result.getAttribute(key));
    });
  }

  // Where the browser reads QR codes itself (BarcodeDetector): the camera, or a photo of the code.
  function scanning(found, problem) {
    var scanButton = document.getElementById("offline-scan");
    var photoLabel = document.getElementById("offline-photo-label");
    var photo = document.getElementById("offline-photo");
    var camera = document.getElementById("offline-camera");
    var video = document.getElementById("offline-video");
    var stopButton = document.getElementById("offline-camera-stop");
    var stream = null;
    var timer = null;

    function stop() {
      if (timer !== null) {
        clearTimeout(timer);
        timer = null;
      }
      if (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
        stream = null;
      }
      video.srcObject = null;
      camera.hidden = true;
      scanButton.disabled = false;
    }

    function look(detector) {
      if (!stream) {
        return;
      }
      detector
        .detect(video)
        .then(function (codes) {
          var code = codes.find(function (c) { return c.rawValue; });
          if (code) {
            stop();
            found(code.rawValue);
            return;
          }
          timer = setTimeout(function () { look(detector); }, 150);
        })
        .catch(function () {
          timer = setTimeout(function () { look(detector); }, 300); // the first frames may not be ready
        });
    }

    function start(detector) {
      scanButton.disabled = true;
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
        .then(function (media) {
          stream = media;
          video.srcObject = media;
          camera.hidden = false;
          video.play().catch(function () {});
          look(detector);
        })
        .catch(function () {
          stop();
          problem("data-camera-refused");
        });
    }

    if (!("BarcodeDetector" in window)) {
      return;
    }
    window.BarcodeDetector.getSupportedFormats()
      .then(function (formats) {
        if (formats.indexOf("qr_code") === -1) {
          return;
        }
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        photoLabel.hidden = false;
        photo.addEventListener("change", function () {
          if (!photo.files.length) {
            return;
          }
          window
            .createImageBitmap(photo.files[0])
            .then(function (bitmap) { return detector.detect(bitmap); })
            .then(function (codes) {
              var code = codes.find(function (c) { return c.rawValue; });
              if (code) {
                found(code.rawValue);
              } else {
                problem("data-no-code");
              }
            })
            .catch(function () { problem("data-no-code"); });
          photo.value = "";
        });
        if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
          scanButton.hidden = false;
          scanButton.addEventListener("click", function () { start(detector); });
          stopButton.addEventListener("click", stop);
          window.addEventListener("pagehide", stop);
        }
      })
      .catch(function () {});
  }

  lookupPage();
  offlinePage();
})();
