// Inline stylesheet and script of the HTML report. Inline because the report
// must open from disk with no network and no sibling files.
#include "reports/html.hpp"

namespace ipc::reports::detail {

const std::string_view kCss = R"CSS(
:root{--fg:#1f2328;--mute:#656d76;--line:#d0d7de;--bg2:#f6f8fa;
--ok:#dafbe1;--okf:#1a7f37;--bad:#ffebe9;--badf:#cf222e;--doc:#fff8c5;--docf:#9a6700;
--div:#fff1e5;--divf:#bc4c00;--xp:#fbefff;--xpf:#8250df;--none:#f6f8fa;--nonef:#8c959f}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg)}
header,main{padding:0 24px}
header{border-bottom:1px solid var(--line);padding-bottom:12px}
h1{font-size:22px;margin:16px 0 8px}h2{font-size:18px;margin:24px 0 8px}h3{font-size:15px;margin:18px 0 6px}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-word}
a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}
small{color:var(--mute);font-weight:normal}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 10px}
.facts dt{color:var(--mute)}.facts dd{margin:0}
.warn{background:var(--bad);color:var(--badf);padding:6px 10px;border-radius:6px;display:inline-block}
nav{margin-top:10px}
table{border-collapse:collapse}
td,th{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top}
thead th{background:var(--bg2)}
.tot td{text-align:right}.tot .z{color:var(--nonef)}
.matrix{width:100%}
.matrix thead th{position:sticky;top:0;z-index:2;box-shadow:0 1px 0 var(--line)}
.matrix .kind th{background:#eaeef2;font-size:13px;text-transform:uppercase;letter-spacing:.03em}
.matrix .sub .cl{padding-left:26px}
.matrix .grp .cl code{font-weight:600}
.matrix .unc code{color:var(--divf)}
.matrix td:not(.cl){white-space:nowrap;font-size:12px}
.cl .ct{color:var(--fg)}
.cl .fl{font-size:12px;margin-left:6px}
.cx{color:var(--mute);font-size:12px;max-width:70ch;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
tr:hover .cx{-webkit-line-clamp:unset}
.c-ok{background:var(--ok)}.c-bad{background:var(--bad)}.c-doc{background:var(--doc)}
.c-skip{background:var(--none);color:var(--mute)}.c-none{background:var(--none);color:var(--nonef)}
.legend span{display:inline-block;padding:1px 8px;border-radius:4px;margin-right:4px;font-size:12px}
.v-pass{color:var(--okf)}.v-fail,.v-error{color:var(--badf)}.v-diverge{color:var(--divf)}
.v-xpass{color:var(--xpf)}.v-xfail,.v-skip{color:var(--mute)}.docd{color:var(--docf)}
.fk{color:var(--divf)}
.b{display:inline-block;padding:0 7px;border-radius:10px;font-size:12px;font-weight:600;border:1px solid currentColor}
.b.v-pass{background:var(--ok)}.b.v-fail,.b.v-error{background:var(--bad)}.b.v-error{color:#fff;background:var(--badf)}
.b.v-diverge{background:var(--div)}.b.v-xpass{background:var(--xp)}.b.v-xfail,.b.v-skip{background:var(--bg2)}
.b.docd{background:var(--doc)}
.filters{position:sticky;top:0;z-index:3;background:#fff;padding:8px 0;border-bottom:1px solid var(--line);display:flex;gap:14px;align-items:center;flex-wrap:wrap}
.filters input[type=search]{width:min(460px,100%);padding:4px 8px;border:1px solid var(--line);border-radius:6px;font:inherit}
.filters button{font:inherit;padding:2px 10px;border:1px solid var(--line);border-radius:6px;background:var(--bg2);cursor:pointer}
#cnt{color:var(--mute)}
.base h3 .loc{color:var(--mute);font-weight:normal;font-size:12px}
details.case{border:1px solid var(--line);border-radius:6px;margin:4px 0}
details.case>summary{cursor:pointer;padding:4px 8px;list-style-position:inside}
details.case[open]>summary{background:var(--bg2);border-bottom:1px solid var(--line)}
details.case:target>summary{outline:2px solid #0969da}
.cb{padding:6px 10px 10px}
.meta{margin:2px 0 6px;color:var(--mute)}
.tn{list-style:none;padding:0;margin:0 0 8px}.tn li{margin:2px 0}
.ms{color:var(--mute);font-size:12px}
.steps td,.steps th{font-size:12px}
.steps .n{color:var(--mute);text-align:right}
.steps td.df{background:var(--div)}
.steps td.fl{background:var(--bad);box-shadow:inset 3px 0 0 var(--badf)}
.fn{color:var(--badf)}.dfn{color:var(--divf)}
.dn{background:var(--doc);color:var(--docf);border-radius:4px;padding:0 4px;margin-top:2px}
.nr{color:var(--nonef)}
details.lv{display:inline}details.lv>summary{cursor:pointer}
.pkset{margin-top:8px}
.pkset.two{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:10px;align-items:start}
details.pkts{border:1px solid var(--line);border-radius:6px;margin:4px 0}
details.pkts>summary{cursor:pointer;padding:3px 8px;background:var(--bg2)}
.pkh{margin:4px 8px;font-size:12px}.pkh label{margin-left:10px;color:var(--mute)}
table.pk{margin:0 8px 8px;font-size:12px}
table.pk td:nth-child(-n+2){color:var(--mute);text-align:right;white-space:nowrap}
table.pk td:nth-child(3){white-space:nowrap}table.pk .i{color:#0969da}table.pk .o{color:var(--xpf)}
table.pk tr.bar{display:none;color:var(--nonef)}table.pk tr.bar code{color:var(--nonef)}
.pkts.sb table.pk tr.bar{display:table-row}
.pkts:has(input.sbt:checked) table.pk tr.bar{display:table-row}
table.pk tr.pd>td{background:var(--div)}
.bt{font-size:11px;border:1px solid var(--nonef);border-radius:8px;padding:0 5px}
details.fr>summary,table.pk details>summary{cursor:pointer}
.ft{font:12px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:2px 0 2px 14px;word-break:break-word}
.ft>div>b{color:var(--mute);margin-right:2px}
.ckb{color:var(--badf);background:var(--bad);font-weight:600;border-radius:3px;padding:0 3px}
.fdf{background:#ffd8b5;border-radius:3px;padding:0 2px}
.pdn{color:var(--divf);font-size:12px}
[hidden]{display:none!important}
)CSS";

const std::string_view kJs = R"JS(
(function () {
  "use strict";
  var q = document.getElementById("q"), fu = document.getElementById("fu"),
      fd = document.getElementById("fd"), cnt = document.getElementById("cnt");
  if (!q) return;
  var cases = Array.prototype.slice.call(document.querySelectorAll("details.case"));
  var bases = Array.prototype.slice.call(document.querySelectorAll("div.base"));
  var ids = cases.map(function (el) { return el.querySelector("summary code").textContent.toLowerCase(); });
  var claims = cases.map(function (el) { return (el.getAttribute("data-c") || "").split(" "); });

  // "claim:X" keeps cases naming claim X or one under it (X.*), like the matrix counts.
  function matches(i, text) {
    if (!text) return true;
    if (text.indexOf("claim:") === 0) {
      var want = text.slice(6);
      return claims[i].some(function (c) {
        c = c.toLowerCase();
        return c === want || c.indexOf(want + ".") === 0;
      });
    }
    return ids[i].indexOf(text) !== -1;
  }

  function apply() {
    var text = q.value.trim().toLowerCase(), shown = 0;
    for (var i = 0; i < cases.length; i++) {
      var el = cases[i];
      var show = (!fu.checked || el.hasAttribute("data-u")) &&
                 (!fd.checked || el.hasAttribute("data-d")) && matches(i, text);
      el.hidden = !show;
      if (show) shown++;
    }
    bases.forEach(function (b) { b.hidden = !b.querySelector("details.case:not([hidden])"); });
    cnt.textContent = shown + " of " + cases.length + " cases";
  }

  var timer = null;
  q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(apply, 120); });
  fu.addEventListener("change", apply);
  fd.addEventListener("change", apply);
  document.getElementById("ex").addEventListener("click", function () {
    cases.forEach(function (el) { if (!el.hidden) el.open = true; });
  });
  document.getElementById("co").addEventListener("click", function () {
    cases.forEach(function (el) { el.open = false; });
  });
  document.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("a[data-claim]") : null;
    if (!a) return;
    q.value = "claim:" + a.getAttribute("data-claim");
    fu.checked = false;
    fd.checked = false;
    apply();
  });

  // Barrier frames (the harness's synchronisation pings) stay hidden until asked for.
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (!t.classList || !t.classList.contains("sbt")) return;
    var block = t.closest("details.pkts");
    if (block) block.classList.toggle("sb", t.checked);
  });

  // A link to a case opens it, even when a filter had hidden it.
  function openHash() {
    var id = location.hash.slice(1);
    try { id = decodeURIComponent(id); } catch (err) {}
    var el = id ? document.getElementById(id) : null;
    if (!el || !el.classList.contains("case")) return;
    el.hidden = false;
    el.parentElement.hidden = false;
    el.open = true;
    el.scrollIntoView();
  }
  window.addEventListener("hashchange", openHash);
  apply();
  openHash();
})();
)JS";

}  // namespace ipc::reports::detail
