// The check-in desk's camera (DOMAIN.md §8). The page works without this file: the invigilator types the
// ticket or ID number, or sends a photo of the code for the server to read. Here, where the browser can read
// QR codes itself (BarcodeDetector), "Scan" opens the rear camera and submits the code it sees through the
// same lookup form. Nothing is sent anywhere else, and nothing is kept.
(function () {
  "use strict";

  var form = document.getElementById("desk-find");
  if (!form) {
    return;
  }
  var input = document.getElementById("desk-q");
  var scanButton = document.getElementById("desk-scan");
  var camera = document.getElementById("desk-camera");
  var video = document.getElementById("desk-video");
  var note = document.getElementById("desk-camera-note");
  var stopButton = document.getElementById("desk-camera-stop");
  var photoForm = document.getElementById("desk-photo-form");
  var photoInput = document.getElementById("desk-photo");
  var photoSubmit = document.getElementById("desk-photo-submit");

  var stream = null;
  var timer = null;

  // The fallback: a photo taken with the camera app goes to the server as soon as it is taken.
  photoSubmit.hidden = true;
  photoInput.addEventListener("change", function () {
    if (photoInput.files.length) {
      photoForm.submit();
    }
  });

  function submitCode(text) {
    input.value = text.trim();
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

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

  function cameraRefused() {
    stop();
    camera.hidden = false;
    video.hidden = true;
    stopButton.hidden = true;
    note.textContent = camera.getAttribute("data-refused");
    photoForm.hidden = false;
  }

  function start() {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    scanButton.disabled = true;
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (media) {
        stream = media;
        video.hidden = false;
        stopButton.hidden = false;
        note.textContent = camera.getAttribute("data-hint");
        video.srcObject = media;
        camera.hidden = false;
        // Look from the start: until the first frame arrives, detect() finds nothing or fails, and is retried.
        video.play().catch(function () {});
        look(detector);
      })
      .catch(cameraRefused);
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
          submitCode(code.rawValue);
          return;
        }
        timer = setTimeout(function () { look(detector); }, 150);
      })
      .catch(function () {
        // The first frames may not be ready yet; try again.
        timer = setTimeout(function () { look(detector); }, 300);
      });
  }

  function canScan() {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.resolve(false);
    }
    return window.BarcodeDetector.getSupportedFormats()
      .then(function (formats) { return formats.indexOf("qr_code") !== -1; })
      .catch(function () { return false; });
  }

  canScan().then(function (ok) {
    if (!ok) {
      return; // keep the photo form: the server reads the code
    }
    scanButton.hidden = false;
    photoForm.hidden = true;
    scanButton.addEventListener("click", start);
    stopButton.addEventListener("click", stop);
  });

  window.addEventListener("pagehide", stop);
})();
