// Optional enhancements for a practice page: a timer that walks through the
// steps, a breathing pacer, and a soft bell made in the browser with the Web
// Audio API (no audio files). Without this file the page still works: the
// person follows the steps and logs minutes with the "Finish" form.
(function () {
  "use strict";
  var player = document.getElementById("player");
  var startForm = document.getElementById("start-form");
  if (!player || !startForm) return;

  var timerEl = document.getElementById("timer");
  var statusEl = document.getElementById("player-status");
  var pauseBtn = document.getElementById("pause");
  var stopBtn = document.getElementById("stop");
  var bellBox = document.getElementById("bell");
  var pacer = document.getElementById("pacer");
  var pacerText = document.getElementById("pacer-text");
  var circle = pacer ? pacer.querySelector(".circle") : null;
  var minutesField = document.getElementById("minutes");
  var steps = Array.prototype.slice.call(document.querySelectorAll("#steps > li"));
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");

  var inhale = Number(player.getAttribute("data-inhale")) || 0;
  var hold = Number(player.getAttribute("data-hold")) || 0;
  var exhale = Number(player.getAttribute("data-exhale")) || 0;
  var hasPacer = pacer && inhale > 0 && exhale > 0;

  var length = Number(player.getAttribute("data-length")) || 3;
  var total = length * 60;      // seconds
  var elapsed = 0;              // seconds, before the current run
  var runStart = null;          // performance.now() of the current run
  var ticker = null;
  var currentStep = -1;
  var phase = "";
  var audio = null;
  var bells = 0;

  player.hidden = false;

  function still() {
    return !!(reduceMotion && reduceMotion.matches);
  }

  function fmt(s) {
    s = Math.max(0, Math.ceil(s));
    var m = Math.floor(s / 60);
    var r = s % 60;
    return m + ":" + (r < 10 ? "0" : "") + r;
  }

  function say(text) {
    statusEl.textContent = text;
  }

  // A soft bowl-like tone: a few sine partials fading out over three seconds.
  function bell() {
    if (!bellBox.checked) return;
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      audio = audio || new Ctx();
      if (audio.state === "suspended") audio.resume();
      var t = audio.currentTime;
      [[432, 0.2], [864, 0.06], [1296, 0.03]].forEach(function (p) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = "sine";
        osc.frequency.value = p[0];
        gain.gain.setValueAtTime(0.0001, t);
        gain.gain.exponentialRampToValueAtTime(p[1], t + 0.03);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + 3);
        osc.connect(gain);
        gain.connect(audio.destination);
        osc.start(t);
        osc.stop(t + 3.1);
      });
      bells += 1;
      player.setAttribute("data-bells", String(bells));
    } catch (e) { /* no sound is fine */ }
  }

  function stepSeconds() {
    return steps.map(function (li) {
      return (Number(li.getAttribute("data-share")) || 0) * total;
    });
  }

  function showStepTimes() {
    stepSeconds().forEach(function (s, i) {
      var el = steps[i].querySelector(".step-time");
      if (!el) return;
      el.textContent = s < 55 ? "about " + Math.max(5, Math.ceil(s / 5) * 5) + " seconds"
        : "about " + Math.max(1, Math.round(s / 60)) + (Math.round(s / 60) === 1 ? " minute" : " minutes");
    });
  }

  function markStep(i) {
    if (i === currentStep) return;
    currentStep = i;
    steps.forEach(function (li, j) {
      li.classList.toggle("current", j === i);
      if (j === i) li.setAttribute("aria-current", "step");
      else li.removeAttribute("aria-current");
    });
    if (i >= 0 && steps[i]) {
      var title = steps[i].querySelector("h3");
      say("Step " + (i + 1) + " of " + steps.length + ": " + (title ? title.textContent : ""));
      if (i > 0) bell();
    }
  }

  function setPhase(name, seconds) {
    if (!circle) return;
    if (name !== phase) {
      phase = name;
      circle.className = "circle t" + Math.min(12, Math.max(1, seconds));
      pacer.classList.remove("in", "hold", "out");
      pacer.classList.add(name);
    }
    pacer.classList.toggle("still", still());
  }

  function updatePacer(t) {
    if (!hasPacer) return;
    var cycle = inhale + hold + exhale;
    var x = t % cycle;
    var name, secs, into;
    if (x < inhale) { name = "in"; secs = inhale; into = x; }
    else if (x < inhale + hold) { name = "hold"; secs = hold; into = x - inhale; }
    else { name = "out"; secs = exhale; into = x - inhale - hold; }
    setPhase(name, secs);
    var count = Math.min(secs, Math.floor(into) + 1);
    var words = name === "in" ? "Breathe in" : name === "hold" ? "Hold" : "Breathe out";
    pacerText.textContent = words + " · " + count + " of " + secs;
  }

  function now() {
    return elapsed + (runStart === null ? 0 : (performance.now() - runStart) / 1000);
  }

  function tick() {
    var t = now();
    timerEl.textContent = fmt(total - t);
    var shares = stepSeconds();
    var acc = 0;
    var idx = steps.length - 1;
    for (var i = 0; i < shares.length; i++) {
      acc += shares[i];
      if (t < acc) { idx = i; break; }
    }
    markStep(idx);
    updatePacer(t);
    if (t >= total) end(true);
  }

  function run() {
    runStart = performance.now();
    ticker = window.setInterval(tick, 250);
    pauseBtn.textContent = "Pause";
    tick();
  }

  function halt() {
    if (ticker !== null) window.clearInterval(ticker);
    ticker = null;
    if (runStart !== null) elapsed += (performance.now() - runStart) / 1000;
    runStart = null;
  }

  function end(complete) {
    halt();
    pauseBtn.hidden = true;
    stopBtn.hidden = true;
    if (pacer) pacer.classList.remove("in", "hold", "out");
    bell();
    var minutes = complete ? length : Math.max(1, Math.ceil(elapsed / 60));
    if (minutes > length) minutes = length;
    if (minutes < 1) minutes = 1;
    if (minutesField) minutesField.value = String(minutes);
    say(complete
      ? "That's the end. Well done for taking this time. You can save your minutes below."
      : "Stopped. Every minute counts. You can save your minutes below.");
    var finish = document.getElementById("finish-button");
    if (finish) finish.focus();
  }

  function selectedLength() {
    var checked = startForm.querySelector("input[name=length]:checked");
    return checked ? Number(checked.value) : length;
  }

  startForm.addEventListener("submit", function (ev) {
    // With JavaScript the timer starts here instead of reloading the page.
    ev.preventDefault();
    halt();
    length = selectedLength() || length;
    total = length * 60;
    elapsed = 0;
    currentStep = -1;
    phase = "";
    player.setAttribute("data-length", String(length));
    showStepTimes();
    if (minutesField) minutesField.value = String(length);
    pauseBtn.hidden = false;
    stopBtn.hidden = false;
    player.classList.add("running");
    if (pacer) pacer.classList.toggle("still", still());
    bell();
    run();
    player.scrollIntoView({ block: "start", behavior: still() ? "auto" : "smooth" });
  });

  pauseBtn.addEventListener("click", function () {
    if (ticker !== null) {
      halt();
      pauseBtn.textContent = "Resume";
      say("Paused. Take your time.");
    } else {
      run();
      say("Carrying on.");
    }
  });

  stopBtn.addEventListener("click", function () {
    end(false);
  });

  bellBox.addEventListener("change", function () {
    // A preview, and it unlocks audio while we have the person's click.
    if (bellBox.checked) bell();
  });

  if (reduceMotion && reduceMotion.addEventListener) {
    reduceMotion.addEventListener("change", function () {
      if (pacer) pacer.classList.toggle("still", still());
    });
  }
})();
