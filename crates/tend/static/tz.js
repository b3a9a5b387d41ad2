// Fills an empty time-zone field with the browser's own zone. Optional: without
// JavaScript the person types or picks it, and UTC is the fallback.
(function () {
  var field = document.getElementById("time_zone");
  if (!field || field.value) return;
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone) field.value = zone;
  } catch (e) { /* leave the field as it is */ }
})();
