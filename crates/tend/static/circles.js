// Live replies on a circle thread, over server-sent events. Optional: without
// JavaScript the "Check for new replies" link reloads the page. Replies are
// built with textContent, never HTML, so nobody's words can become markup.
(function () {
  var list = document.getElementById("replies");
  if (!list || !window.EventSource) return;
  var url = list.getAttribute("data-events");
  var circle = list.getAttribute("data-circle");
  var live = document.getElementById("live");
  if (!url) return;
  var source = new EventSource(url);
  source.addEventListener("reply", function (e) {
    var r;
    try { r = JSON.parse(e.data); } catch (err) { return; }
    if (!r || document.getElementById("r-" + r.id)) return;
    var li = document.createElement("li");
    li.id = "r-" + r.id;
    li.className = "reply";
    var meta = document.createElement("p");
    meta.className = "meta";
    var who = document.createElement("strong");
    who.textContent = r.author;
    meta.appendChild(who);
    if (r.facilitator) {
      var badge = document.createElement("span");
      badge.className = "role-badge";
      var comma = document.createElement("span");
      comma.className = "visually-hidden";
      comma.textContent = ", ";
      badge.appendChild(comma);
      badge.appendChild(document.createTextNode("facilitator"));
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(badge);
    }
    meta.appendChild(document.createTextNode(" · " + r.when));
    li.appendChild(meta);
    var body = document.createElement("div");
    body.className = "post-body";
    String(r.body).split("\n\n").forEach(function (para) {
      var p = document.createElement("p");
      para.split("\n").forEach(function (line, i) {
        if (i > 0) p.appendChild(document.createElement("br"));
        p.appendChild(document.createTextNode(line));
      });
      body.appendChild(p);
    });
    li.appendChild(body);
    if (!r.mine && circle) {
      var actions = document.createElement("p");
      actions.className = "post-actions";
      var a = document.createElement("a");
      a.href = "/circles/" + encodeURIComponent(circle) + "/report?kind=reply&id=" + encodeURIComponent(r.id);
      a.textContent = "Report";
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = " this reply";
      a.appendChild(hidden);
      actions.appendChild(a);
      li.appendChild(actions);
    }
    list.appendChild(li);
    if (live && !r.mine) live.textContent = "New reply from " + r.author + ".";
  });
})();
