// Live notifications on the notifications page, over server-sent events.
// Optional: without JavaScript a reload shows what is new. Everything is built
// with textContent, never HTML. The texts come from tend itself (a kind and a
// circle's name). The one exception is a private note to this person from
// someone who looks after their circle, also built as plain text.
(function () {
  var list = document.getElementById("notices");
  if (!list || !window.EventSource) return;
  var url = list.getAttribute("data-events");
  var csrfInput = document.querySelector("input[name=csrf]");
  var csrf = csrfInput ? csrfInput.value : "";
  var summary = document.getElementById("notice-summary");
  var count = document.getElementById("notice-count");
  var source = new EventSource(url);

  function button(action, label, fields) {
    var f = document.createElement("form");
    f.method = "post";
    f.action = action;
    f.className = "inline";
    var all = [["csrf", csrf]].concat(fields || []);
    all.forEach(function (kv) {
      var i = document.createElement("input");
      i.type = "hidden";
      i.name = kv[0];
      i.value = kv[1];
      f.appendChild(i);
    });
    var b = document.createElement("button");
    b.type = "submit";
    b.className = "link";
    b.textContent = label;
    f.appendChild(b);
    return f;
  }

  source.addEventListener("notices", function (e) {
    var d;
    try { d = JSON.parse(e.data); } catch (err) { return; }
    if (!d || !d.items) return;
    if (count) {
      count.hidden = d.unread === 0;
      count.textContent = " " + d.unread;
      var sr = document.createElement("span");
      sr.className = "visually-hidden";
      sr.textContent = " unread";
      count.appendChild(sr);
    }
    if (summary) {
      summary.textContent = d.unread === 0 ? "Nothing new." :
        d.unread + " unread" + (d.urgent > 0 ? ", " + d.urgent + " urgent" : "") + ".";
    }
    var empty = document.getElementById("notices-empty");
    if (empty && d.items.length) empty.remove();
    list.textContent = "";
    d.items.forEach(function (n) {
      var li = document.createElement("li");
      li.id = "n-" + n.id;
      li.className = "notice-item" + (n.urgent ? " urgent" : "") + (n.read ? " read" : "");
      var p = document.createElement("p");
      if (n.urgent) {
        var tag = document.createElement("strong");
        tag.className = "tag";
        tag.textContent = "Urgent";
        p.appendChild(tag);
        p.appendChild(document.createTextNode(" "));
      }
      if (!n.read) {
        var u = document.createElement("span");
        u.className = "visually-hidden";
        u.textContent = "Unread: ";
        p.appendChild(u);
      }
      var a = document.createElement("a");
      a.href = "/notifications/" + encodeURIComponent(n.id) + "/open";
      a.textContent = n.text;
      p.appendChild(a);
      li.appendChild(p);
      var meta = document.createElement("p");
      meta.className = "meta";
      meta.textContent = n.when;
      li.appendChild(meta);
      if (n.note) {
        var note = document.createElement("blockquote");
        note.className = "reach-note post-body";
        String(n.note).split("\n\n").forEach(function (para) {
          var q = document.createElement("p");
          q.textContent = para;
          note.appendChild(q);
        });
        li.appendChild(note);
        var help = document.createElement("p");
        [["/help", "Help lines for where you are"], ["/hard-moment", "A two-minute pause"]].forEach(function (l, i) {
          if (i > 0) help.appendChild(document.createTextNode(" · "));
          var h = document.createElement("a");
          h.href = l[0];
          h.textContent = l[1];
          help.appendChild(h);
        });
        li.appendChild(help);
      }
      var actions = document.createElement("div");
      actions.className = "actions";
      if (!n.read) actions.appendChild(button("/notifications/" + encodeURIComponent(n.id) + "/read", "Mark as read"));
      actions.appendChild(button("/notifications/off", "Turn off notifications like this", [["kind", n.kind]]));
      li.appendChild(actions);
      list.appendChild(li);
    });
  });
})();
