// The staff console (/staff): the review queue, one application with its materials and their measurements drawn
// over them, decisions with a note per material, batch approval, and the round's windows and local tools.

import {
  api, ApiError, apiBase, applyStaticText, bytes, clearMessages, config, h, isStaff, lang, s, say, session, setLang,
  signIn, signOut, STATUS, t, when,
} from "./common.js";

// ------------------------------------------------------------------------------------------- vocabulary

const ACTIONS = {
  approve: ["通过", "approve"], request_supplement: ["要求补充材料", "request a supplement"], reject: ["驳回", "reject"],
  submit: ["提交", "submit"], resubmit: ["补充后重新提交", "resubmit"], expire: ["逾期", "expire"],
  abandon: ["视为放弃", "abandon"],
};
const ROLES = { applicant: ["申请人", "applicant"], reviewer: ["审核员", "reviewer"], admin: ["管理员", "admin"] };
const MATERIAL_STATES = {
  missing: ["未上传", "not uploaded", "muted"], checking: ["检查中", "checking", "muted"],
  inspecting: ["检查中", "inspecting", "muted"], issued: ["等待上传", "awaiting upload", "muted"],
  passed: ["检查通过", "passed", "ok"], failed: ["未通过检查", "failed", "bad"], waived: ["免交", "waived", "muted"],
};
const REQUIREMENTS = {
  required: ["必交", "required"], optional: ["选交", "optional"], waived: ["免交", "waived"],
  not_applicable: ["不适用", "not applicable"],
};
// The codes staff filter on (warnings stay with a submitted application; errors block it before submission).
const FINDINGS = {
  "face.off_centre": ["头部偏离中线", "head off centre"], "face.eye_line": ["眼睛位置", "eye line"],
  "face.roll": ["头部歪斜", "head tilted"], "face.pose": ["未正对镜头", "face turned"],
  "face.head_height": ["头部高度", "head height"], "face.head_width": ["头部宽度", "head width"],
  "face.subject_small": ["人像过小", "subject too small"], "face.multiple": ["多张人脸", "more than one face"],
  "face.lighting": ["面部光线不均", "uneven lighting"], "face.glasses": ["可能戴眼镜", "glasses"],
  "face.eyes_closed": ["眼睛闭合或遮挡", "eyes closed"], "photo.background_colour": ["背景颜色", "background colour"],
  "photo.background_uneven": ["背景不均匀", "uneven background"], "photo.edited": ["可能经过修图", "edited"],
  "image.maybe_blurred": ["可能不清晰", "maybe blurred"], "image.looks_greyscale": ["看似黑白", "looks greyscale"],
  "scan.resolution_low": ["分辨率偏低", "low resolution"], "document.rotated": ["页面方向或倾斜", "page turned"],
  "document.cut_off": ["页面可能不完整", "page may be cut off"], "document.dark": ["图片偏暗", "dark picture"],
  "document.blurred": ["文件不清晰", "blurred document"], "document.no_text": ["未找到文字", "no text"],
  "document.code_unreadable": ["编码未能识别", "code unreadable"],
  "document.ocr_unavailable": ["文字识别不可用", "OCR unavailable"], "inspection.failed": ["自动检查出错", "inspection failed"],
};
// Inserted as written: the applicant receives the notes in Chinese by SMS.
const NOTE_TEMPLATES = {
  photo: [["照片背景不符合要求，请上传白色/蓝色背景照片", "background: white/blue"],
    ["照片不符合证件照要求，请按要求重新拍摄上传", "photo does not meet the rules"]],
  scan: [["扫描件不清晰，请重新扫描上传", "scan not legible"], ["材料不完整，请上传完整页面", "page incomplete"],
    ["材料与要求不符，请上传正确的材料", "not the material asked for"]],
};
const STAFF_WORDS = /[，,]?\s*(请审核人员在标出区域核对|由工作人员核实|审核人员将核对)/g;
const NOTE_MAX = 300;
const PAGE_SIZE = 50;
const BATCH_MAX = 100;
const PROGRAM_KEY = "intake.staff.program";
const DRAFT_PREFIX = "intake.staff.draft.";

const label = (pair) => (pair ? t(pair[0], pair[1]) : "");
const statusText = (status) => label(STATUS[status]) || status;
const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;

// ------------------------------------------------------------------------------------------- state

const state = {
  cfg: { local: false }, programs: [], programId: "", pending: {}, counts: null,
  filters: { status: "pending_review", clean: false, overdue: false, finding: "", category: "", q: "" },
  items: [], cursor: null, lastPage: 0, queueLoading: false, queueLoaded: false, selected: -1,
  app: null, history: null, openId: null, action: null, sending: false, overlays: true, adminTimer: null,
};
let queueRequest = 0;
let appRequest = 0;

// ------------------------------------------------------------------------------------------- small helpers

function badge(kind, text) {
  return h("span", { class: `badge ${kind}` }, text);
}

function statusBadge(status) {
  return badge(STATUS[status]?.[2] || "muted", statusText(status));
}

function waited(value) {
  if (value == null) return "";
  const hours = Math.max(0, value); // the local clock can be set before the application was made
  if (hours < 1) return t(`${Math.round(hours * 60)} 分钟`, `${Math.round(hours * 60)} min`);
  if (hours < 48) return t(`${hours.toFixed(1)} 小时`, `${hours.toFixed(1)} h`);
  const days = Math.floor(hours / 24);
  const rest = Math.round(hours - days * 24);
  return t(`${days} 天 ${rest} 小时`, `${days} d ${rest} h`);
}

function shown(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? t("是", "yes") : t("否", "no");
  if (typeof value === "number") return String(Math.round(value * 1000) / 1000);
  if (Array.isArray(value)) {
    const range = value.length === 2 && value.every((v) => typeof v === "number");
    return range ? `${shown(value[0])}–${shown(value[1])}` : value.map(shown).join(", ");
  }
  if (typeof value === "object") return Object.entries(value).map(([k, v]) => `${k}: ${shown(v)}`).join("; ");
  return String(value);
}

/** A confirmation that goes away by itself; errors stay until dismissed. */
function notify(zh, en) {
  const box = say("info", zh, en);
  setTimeout(() => box.remove(), 12000);
}

/** Replace an element's children, skipping the nulls that conditional parts leave. */
function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

function current(el, on, value) {
  if (on) el.setAttribute("aria-current", value);
  else el.removeAttribute("aria-current");
}

function isTyping(el) {
  if (!el?.tagName) return false;
  if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
  return el.tagName === "INPUT" && !["checkbox", "radio", "button", "submit"].includes(el.type);
}

function draftOf(id) {
  try {
    return { notes: {}, reason: "", ...JSON.parse(localStorage.getItem(DRAFT_PREFIX + id) || "{}") };
  } catch {
    return { notes: {}, reason: "" };
  }
}

function keepDraft(id, change) {
  const draft = draftOf(id);
  change(draft);
  localStorage.setItem(DRAFT_PREFIX + id, JSON.stringify(draft));
}

function program(id = state.programId) {
  return state.programs.find((p) => p.id === id);
}

/** Any API call: a lapsed sign-in sends the reviewer back to sign in (drafts stay in this browser). */
async function call(method, path, body) {
  try {
    return await api(method, path, body);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      signOut();
      showView("signin");
    }
    throw err;
  }
}

// ------------------------------------------------------------------------------------------- views and sign-in

function showView(name) {
  const staff = ["queue", "app", "admin"].includes(name);
  $("signin-view").hidden = name !== "signin";
  $("denied-view").hidden = name !== "denied";
  $("workspace").hidden = name !== "queue" && name !== "app";
  $("workspace").classList.toggle("show-detail", name === "app");
  $("admin-view").hidden = name !== "admin";
  $("tabs").hidden = !staff;
  $("signout").hidden = name === "signin";
  current($("tab-queue"), name === "queue" || name === "app", "page");
  current($("admin"), name === "admin", "page");
  if (name !== "admin") stopAdminPolling();
  const who = session();
  const role = who?.groups.includes("admins") ? "admin" : "reviewer";
  $("who").textContent = who && staff ? `${who.email} · ${label(ROLES[role])}` : "";
}

async function onSignIn(event) {
  event.preventDefault();
  const email = $("signin-email").value.trim();
  const password = $("signin-password").value;
  if (!email || !password) return say("error", "请输入邮箱和密码", "Enter your e-mail address and password.");
  $("signin-submit").disabled = true;
  try {
    await signIn(email, password);
    $("signin-password").value = "";
    clearMessages();
    await enter();
  } catch (err) {
    say("error", err);
  } finally {
    $("signin-submit").disabled = false;
  }
}

function onSignOut() {
  signOut();
  Object.assign(state, { app: null, items: [], queueLoaded: false });
  history.replaceState(null, "", location.pathname + location.search);
  showView("signin");
  notify("已退出登录", "You are signed out.");
  $("signin-email").focus();
}

/** After sign-in (or on a reload with a session): staff get the console, anybody else a clear refusal only. */
async function enter() {
  if (!session()) return showView("signin");
  if (!isStaff()) {
    showView("denied");
    return $("denied-title").focus();
  }
  if (!state.programs.length) {
    try {
      state.programs = (await call("GET", "programs")).programs;
    } catch (err) {
      return say("error", err);
    }
  }
  const stored = localStorage.getItem(PROGRAM_KEY);
  state.programId = program(stored) ? stored : await busiestProgram();
  fillFilters();
  route();
}

/** Without a remembered choice, start where the most applications wait (and label each program with its count). */
async function busiestProgram() {
  const counts = await Promise.all(state.programs.map((p) =>
    call("GET", `staff/counts?program_id=${enc(p.id)}`).then((c) => c.counts.pending_review, () => 0)));
  state.programs.forEach((p, i) => { state.pending[p.id] = counts[i]; });
  return state.programs[counts.indexOf(Math.max(...counts))]?.id || "";
}

// ------------------------------------------------------------------------------------------- filters

function options(select, entries, value) {
  select.replaceChildren(...entries.map(([v, text]) => h("option", { value: v }, text)));
  select.value = entries.some(([v]) => v === value) ? value : entries[0]?.[0] ?? "";
}

function fillPrograms() {
  const waiting = (n) => (n === undefined ? "" : t(`（待审核 ${n}）`, ` (${n} pending)`));
  options($("program"), state.programs.map((p) => [p.id, `${t(p.name_zh, p.name_en)}${waiting(state.pending[p.id])}`]),
    state.programId);
}

function fillFilters() {
  const f = state.filters;
  const categories = program()?.categories || [];
  fillPrograms();
  options($("filter-status"), Object.keys(STATUS).map((k) => [k, statusText(k)]), f.status);
  options($("filter-category"), [["", t("全部类别", "all categories")],
    ...categories.map((c) => [c.id, t(c.name_zh, c.name_en)])], f.category);
  fillFindings();
  $("filter-clean").checked = f.clean;
  $("filter-overdue").checked = f.overdue;
}

/** Suggestions for the finding filter: the known codes, and any other code the listed applications carry. */
function fillFindings() {
  const codes = new Set([...Object.keys(FINDINGS), ...state.items.flatMap((i) => i.finding_codes || [])]);
  fill($("finding-codes"), [...codes].sort().map((c) => h("option", { value: c, label: label(FINDINGS[c]) || c })));
}

function onFilterChange() {
  Object.assign(state.filters, {
    status: $("filter-status").value, category: $("filter-category").value, finding: $("filter-finding").value.trim(),
    clean: $("filter-clean").checked, overdue: $("filter-overdue").checked, q: $("search").value.trim(),
  });
  loadQueue();
}

function onProgramChange() {
  state.programId = $("program").value;
  localStorage.setItem(PROGRAM_KEY, state.programId);
  state.filters.category = "";
  fillFilters();
  loadQueue();
}

let searchTimer;
function onTypedFilter() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(onFilterChange, 350);
}

// ------------------------------------------------------------------------------------------- queue

async function loadCounts() {
  try {
    state.counts = await call("GET", `staff/counts?program_id=${enc(state.programId)}`);
    state.pending[state.programId] = state.counts.counts.pending_review;
  } catch (err) {
    state.counts = null;
    say("error", err);
  }
  renderCounts();
}

async function loadQueue({ more = false } = {}) {
  if (!state.programId) return;
  const f = state.filters;
  const params = new URLSearchParams({ program_id: state.programId, status: f.status, limit: String(PAGE_SIZE) });
  const extra = { cursor: more && state.cursor, clean_only: f.clean && "true", overdue_only: f.overdue && "true",
    q: f.q, finding: f.finding, category: f.category };
  for (const [key, value] of Object.entries(extra)) if (value) params.set(key, value);
  const request = ++queueRequest;
  state.queueLoading = true;
  if (!more) loadCounts();
  renderQueueFooter();
  try {
    const page = await call("GET", `staff/queue?${params}`);
    if (request !== queueRequest) return;
    state.items = more ? [...state.items, ...page.items] : page.items;
    Object.assign(state, { cursor: page.next_cursor, lastPage: page.items.length, queueLoaded: true });
    if (!more) state.selected = state.items.findIndex((i) => i.id === state.openId);
  } catch (err) {
    if (request === queueRequest) say("error", err);
  } finally {
    if (request === queueRequest) state.queueLoading = false;
  }
  renderQueue();
}

function renderCounts() {
  fillPrograms();
  const counts = state.counts?.counts;
  const sla = state.counts?.review_sla_hours;
  fill($("counts"), Object.keys(STATUS).map((status) => h("button", {
    type: "button", class: `count${status === state.filters.status ? " current" : ""}`,
    dataset: { countStatus: status }, "aria-pressed": String(status === state.filters.status),
    onclick: () => { $("filter-status").value = status; onFilterChange(); },
  }, h("span", {}, statusText(status)), h("strong", {}, counts ? String(counts[status] ?? 0) : "…"))),
  sla ? h("span", { class: "hint sla" }, t(`审核时限 ${sla} 小时`, `Review SLA ${sla} h`)) : null);
}

function queueRow(item, index) {
  const classes = ["qrow", item.overdue && "overdue", item.decided && "done", index === state.selected && "selected"];
  const time = waited(item.waiting_hours);
  return h("li", {}, h("a", {
    href: `#/app/${item.id}`, class: classes.filter(Boolean).join(" "),
    dataset: { application: item.id, index: String(index) },
    "aria-current": item.id === state.openId ? "true" : null,
    onfocus: () => { state.selected = index; markSelected(); },
  },
  h("span", { class: "qname" }, item.applicant?.name || "—"),
  h("span", { class: "qid" }, item.id),
  h("span", { class: "qmeta" },
    statusBadge(item.decided || item.status),
    h("span", {}, item.status === "pending_review" ? t(`等待 ${time}`, `waiting ${time}`)
      : t(`已 ${time}`, `for ${time}`)),
    item.overdue ? badge("bad", t("已超审核时限", "past the SLA")) : null,
    item.checks_clean ? badge("ok", t("检查全部通过", "all checks passed")) : null,
    (item.finding_codes || []).map((code) => badge("warn", label(FINDINGS[code]) || code)))));
}

function renderQueue() {
  fill($("queue-list"), state.items.map(queueRow));
  fillFindings();
  renderQueueFooter();
  const n = batchCandidates().length;
  $("batch-approve").textContent = t(`批量通过（${n}）`, `Batch approve (${n})`);
}

function renderQueueFooter() {
  const n = state.items.length;
  const f = state.filters;
  const filtered = f.q || f.finding || f.category || f.clean || f.overdue;
  $("queue-summary").textContent = state.queueLoading ? t("正在载入…", "Loading…")
    : !n && !state.cursor ? t("没有符合条件的申请。", "No applications match.")
      : t(`已列出 ${n} 份${state.cursor ? "，还有更多" : "（已全部列出）"}。`,
        `${n} listed${state.cursor ? "; there are more" : " (that is all)"}.`);
  fill($("queue-more"), state.cursor && filtered && state.lastPage < PAGE_SIZE ? h("p", { class: "hint" }, t(
    "筛选是在服务器读出每一页之后进行的，所以这一页不满 50 份，但后面仍有申请，请继续载入。",
    "Filters are applied after each page is read, so this page is short but more applications follow: load more."))
    : null,
  state.cursor ? h("button", { type: "button", id: "queue-more-button", disabled: state.queueLoading,
    onclick: () => loadQueue({ more: true }) }, t("载入更多", "Load more")) : null);
}

function rows() {
  return [...document.querySelectorAll("#queue-list [data-application]")];
}

function markSelected() {
  for (const row of rows()) row.classList.toggle("selected", Number(row.dataset.index) === state.selected);
}

/** j/k: move through the queue; where the list is not on screen (a phone showing one application), open it. */
function move(delta) {
  const list = rows();
  if (!list.length) return;
  const from = state.selected >= 0 ? state.selected : state.items.findIndex((i) => i.id === state.openId);
  const index = Math.max(0, Math.min(list.length - 1, from + delta));
  if (list[index].offsetParent === null) location.hash = `#/app/${list[index].dataset.application}`;
  else select(index);
}

function select(index) {
  state.selected = index;
  markSelected();
  rows()[index]?.focus();
}

// ------------------------------------------------------------------------------------------- one application

async function openApp(id) {
  const request = ++appRequest;
  state.openId = id;
  const index = state.items.findIndex((i) => i.id === id);
  if (index >= 0) state.selected = index;
  for (const row of rows()) current(row, row.dataset.application === id, "true");
  fill($("detail-pane"), h("p", { class: "hint" }, t("正在载入申请…", "Loading the application…")));
  try {
    const [app, events] = await Promise.all([call("GET", `applications/${enc(id)}`), loadHistory(id)]);
    if (request !== appRequest) return;
    Object.assign(state, { app, history: events, action: null });
    renderDetail();
    $("detail-title")?.focus();
  } catch (err) {
    if (request !== appRequest) return;
    state.app = null;
    say("error", err);
    fill($("detail-pane"), h("div", { class: "card" }, h("p", {}, t(err.zh, err.en) || String(err)),
      h("button", { type: "button", onclick: () => openApp(id) }, t("重试", "Try again"))));
  }
}

function loadHistory(id) {
  return call("GET", `applications/${enc(id)}/history`).then((r) => r.events, () => null);
}

function renderDetail() {
  const app = state.app;
  if (!app) return;
  const prog = program(app.program_id);
  fill($("detail-pane"),
    h("p", { class: "back" }, h("a", { href: "#/queue" }, t("← 返回队列", "← Back to the queue"))),
    summaryCard(app, prog), app.materials.map((m) => materialCard(app, m, prog)), decisionCard(app),
    profileCard(app, prog), eligibilityCard(app), historyCard(app, prog));
}

function summaryCard(app, prog) {
  // The queue's waiting time is for the status it was listed in.
  const item = state.items.find((i) => i.id === app.id && i.status === app.status);
  const a = app.assessment;
  const categories = a.categories.map((id) => prog?.categories.find((c) => c.id === id))
    .map((c, i) => (c ? t(c.name_zh, c.name_en) : a.categories[i]));
  const facts = [
    [t("申请编号", "Application id"), h("code", {}, app.id)], [t("项目", "Program"), t(app.program_name)],
    [t("手机", "Phone"), app.applicant.phone], [t("提交时间", "Submitted"), when(app.submitted_at) || "—"],
    [t("进入当前状态", "In this status since"), when(app.status_since) || "—"],
    item && [t("处于此状态", "In this status for"), waited(item.waiting_hours)], [t("版本", "Version"), String(app.version)],
    categories.length && [t("申请人类别", "Categories"), categories.join("、")],
  ].filter(Boolean);
  const problems = a.invalid_fields.length + a.missing_fields.length;
  const passed = app.materials.filter((m) => m.state === "passed" || m.state === "waived").length;
  const total = app.materials.length;
  const jump = (id, text) => h("button", { type: "button", class: "link",
    onclick: () => { $(id)?.scrollIntoView({ block: "start" }); $(id)?.focus(); } }, text);
  const d = app.decision;
  return h("section", { class: "card summary" },
    h("h2", { id: "detail-title", tabindex: "-1" }, app.applicant.name, " ", statusBadge(app.status),
      item?.overdue ? badge("bad", t("已超审核时限", "past the SLA")) : null),
    h("dl", { class: "facts columns" }, facts.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v)))),
    h("p", { class: "row overview" },
      a.eligible ? badge("ok", t("资格：符合", "eligible")) : badge("bad", t("资格：不符合", "not eligible")),
      problems ? badge("bad", t(`报名信息：${problems} 项有问题`, `profile: ${problems} problem(s)`))
        : badge("ok", t("报名信息：全部有效", "profile: all valid")),
      badge(passed === total ? "ok" : "warn", t(`材料：${passed}/${total} 通过`, `materials: ${passed}/${total} passed`)),
      jump("profile-title", t("查看报名信息", "Profile")), jump("decision-title", t("跳到审核决定", "Go to the decision"))),
    d ? h("p", { class: "hint" }, t("最近决定：", "Last decision: "), label(ACTIONS[d.action]) || d.action,
      ` · ${label(ROLES[d.by_role]) || d.by_role} · ${when(d.at)}`, d.reason ? ` · ${d.reason}` : "") : null);
}

// ------------------------------------------------------------------------------------------- decisions

function decisionCard(app) {
  const allowed = new Set(app.allowed_actions || []);
  const button = (id, action, cls, key) => h("button", {
    type: "button", id, class: cls, disabled: !allowed.has(action), "aria-keyshortcuts": key,
    "aria-pressed": String(state.action === action), onclick: () => choose(action),
  }, label(ACTIONS[action]), h("kbd", {}, key));
  const reason = h("textarea", { id: "reject-reason", rows: "2", maxlength: "500", onkeydown: sendOnCtrlEnter,
    oninput: () => keepDraft(app.id, (d) => { d.reason = reason.value; }) });
  reason.value = draftOf(app.id).reason;
  return h("section", { class: "card decision", "aria-labelledby": "decision-title" },
    h("h3", { id: "decision-title", tabindex: "-1" }, t("审核决定", "Decision")),
    allowed.size ? null : h("p", { class: "hint" }, t("此申请当前状态下不能作出审核决定。", "No decision can be made in this status.")),
    h("div", { class: "row" }, button("decision-approve", "approve", "ok-button", "a"),
      button("decision-supplement", "request_supplement", "", "s"), button("decision-reject", "reject", "danger", "r")),
    h("label", { for: "reject-reason" }, t("理由", "Reason"), h("span", { class: "hint inline" },
      t("（驳回时必填，会以短信告知申请人；管理员在审核期外处理时也须填写）",
        " (required to reject, and sent to the applicant by SMS; also required of an admin after the review window)"))),
    reason,
    h("p", { class: "hint" }, t("要求补充材料时，请在上方各材料处填写补充说明。",
      "For a supplement request, write a note under each material above.")),
    h("div", { id: "decision-pending", class: "pending", hidden: !state.action }, pendingContent(app)));
}

function notesOf(app) {
  const notes = {};
  for (const m of app.materials) {
    const text = document.querySelector(`textarea[name="note-${CSS.escape(m.id)}"]`)?.value.trim();
    if (text) notes[m.id] = text;
  }
  return notes;
}

/** What the chosen decision will do, and the button that sends it. */
function pendingContent(app) {
  const action = state.action;
  if (!action) return [];
  const names = Object.fromEntries(app.materials.map((m) => [m.id, t(m.name)]));
  const notes = Object.entries(notesOf(app));
  const who = app.applicant.name;
  const what = {
    approve: t(`确认通过 ${who} 的申请？`, `Approve ${who}'s application?`),
    request_supplement: t(`确认要求 ${who} 补充 ${notes.length} 项材料？`,
      `Ask ${who} to supplement ${notes.length} material(s)?`),
    reject: t(`确认驳回 ${who} 的申请？`, `Reject ${who}'s application?`),
  }[action];
  return [
    h("p", { class: "pending-what" }, what),
    action === "request_supplement" && notes.length
      ? h("ul", {}, notes.map(([id, note]) => h("li", {}, h("strong", {}, names[id] || id), "：", note))) : null,
    h("div", { class: "row" },
      h("button", { type: "button", id: "decision-confirm", class: action === "reject" ? "danger" : "primary",
        disabled: state.sending, onclick: confirmDecision },
      state.sending ? t("正在发送…", "Sending…") : t(`确认${label(ACTIONS[action])}`, `Confirm: ${label(ACTIONS[action])}`)),
      h("button", { type: "button", onclick: cancelDecision }, t("取消 (Esc)", "Cancel (Esc)"))),
  ];
}

function refreshPending() {
  const box = $("decision-pending");
  if (!box || !state.app) return;
  box.hidden = !state.action;
  fill(box, pendingContent(state.app));
  const buttons = { approve: "decision-approve", request_supplement: "decision-supplement", reject: "decision-reject" };
  for (const [action, id] of Object.entries(buttons)) {
    $(id)?.setAttribute("aria-pressed", String(state.action === action));
  }
}

function choose(action) {
  const app = state.app;
  if (!app) return say("warn", "请先打开一份申请", "Open an application first.");
  if (!(app.allowed_actions || []).includes(action)) {
    return say("warn", `此申请当前为“${statusText(app.status)}”，不能${label(ACTIONS[action])}`,
      `This application is ${statusText(app.status)}: you cannot ${ACTIONS[action][1]} it.`);
  }
  state.action = action;
  refreshPending();
  if (action === "reject") $("reject-reason").focus();
  else if (action === "request_supplement") firstNote(app)?.focus();
  else $("decision-confirm")?.focus();
}

/** The note to start with: the first material that failed or has findings, else the first one. */
function firstNote(app) {
  const pick = app.materials.find((m) => m.state === "failed" || m.latest?.findings?.length) || app.materials[0];
  return pick && document.querySelector(`textarea[name="note-${CSS.escape(pick.id)}"]`);
}

function cancelDecision() {
  state.action = null;
  refreshPending();
}

function sendOnCtrlEnter(event) {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && state.action) {
    event.preventDefault();
    confirmDecision();
  }
}

async function confirmDecision() {
  const app = state.app;
  const action = state.action;
  if (!app || !action || state.sending) return;
  const reason = $("reject-reason").value.trim();
  const notes = notesOf(app);
  if (action === "reject" && !reason) {
    say("error", "驳回须填写理由", "A rejection needs a reason.");
    return $("reject-reason").focus();
  }
  if (action === "request_supplement" && !Object.keys(notes).length) {
    say("error", "要求补充材料须至少为一项材料填写说明", "A supplement request needs a note for at least one material.");
    return firstNote(app)?.focus();
  }
  const body = { action, version: app.version, reason, notes: action === "request_supplement" ? notes : {} };
  state.sending = true;
  refreshPending();
  try {
    const decided = await call("POST", `staff/applications/${enc(app.id)}/decision`, body);
    localStorage.removeItem(DRAFT_PREFIX + app.id);
    Object.assign(state, { sending: false, action: null });
    afterDecision(decided, action);
  } catch (err) {
    state.sending = false;
    refreshPending();
    decisionFailed(app, err);
  }
}

function markDecided(id, status) {
  const item = state.items.find((i) => i.id === id);
  if (item && status) item.decided = status;
}

function afterDecision(decided, action) {
  state.app = decided;
  markDecided(decided.id, decided.status);
  renderDetail();
  window.scrollTo({ top: 0 });
  renderQueue();
  loadCounts();
  loadHistory(decided.id).then((events) => {
    if (state.app?.id !== decided.id) return;
    state.history = events;
    $("history-card")?.replaceWith(historyCard(decided, program(decided.program_id)));
  });
  const who = decided.applicant.name;
  const status = statusText(decided.status);
  notify(`已${label(ACTIONS[action])}：${who}（${status}）。按 j 选下一份，Enter 打开。`,
    `Done (${ACTIONS[action][1]}): ${who}, now ${status}. Press j for the next one, Enter to open it.`);
  const next = state.items.findIndex((i, n) => n > state.selected && !i.decided);
  if (next >= 0 && rows()[next]?.offsetParent !== null) select(next);
}

/** Someone else decided first (409 application.version): say who and what, and load what they left. */
function decisionFailed(app, err) {
  if (!(err instanceof ApiError) || err.code !== "application.version") return say("error", err);
  const d = err.details?.decision;
  const by = d ? `${label(ACTIONS[d.action]) || d.action} · ${label(ROLES[d.by_role]) || d.by_role}`
    + ` ${(d.by || "").slice(0, 8)} · ${when(d.at)}` : "";
  const status = err.details?.status ? statusText(err.details.status) : "";
  say("error", `${err.zh}。${d ? `已有决定：${by}` : ""}${status ? `；当前状态：${status}` : ""}。已重新载入。`,
    `${err.en}. ${d ? `Decided meanwhile: ${by}` : ""}${status ? `; now ${status}` : ""}. Reloaded.`);
  markDecided(app.id, err.details?.status);
  renderQueue();
  state.action = null;
  openApp(app.id);
}

// ------------------------------------------------------------------------------------------- materials

function materialCard(app, material, prog) {
  const def = prog?.materials.find((m) => m.id === material.id);
  const status = MATERIAL_STATES[material.state];
  const requirement = REQUIREMENTS[material.requirement];
  const note = (app.allowed_actions || []).includes("request_supplement") ? noteField(app, material, def) : null;
  const earlier = material.earlier?.length ? earlierUploads(app, material, def) : null;
  const asked = app.supplement_notes?.[material.id];
  return h("section", { class: "card material", dataset: { material: material.id },
    "aria-labelledby": `material-${material.id}` },
  h("h3", { id: `material-${material.id}` }, t(material.name), " ",
    badge(status?.[2] || "muted", label(status) || material.state), " ",
    badge("muted", label(requirement) || material.requirement)),
  h("p", { class: "hint" }, t(material.hint)),
  asked ? h("p", { class: "message warn" }, t("已要求补充：", "Supplement asked: "), asked) : null,
  material.latest ? uploadView(app, material, material.latest, def, [note, earlier])
    : [h("p", {}, t("尚未上传文件。", "Nothing uploaded.")), note]);
}

/** The file on one side; what was found and measured (and, for the latest upload, the note) on the other. */
function uploadView(app, material, upload, def, extra = []) {
  const findings = upload.findings || [];
  const frame = h("div", { class: "viewer" });
  showFile(app, material, upload, def, frame);
  return h("div", { class: "upload" }, frame, h("div", { class: "upload-info" },
    h("p", { class: "hint" }, when(upload.uploaded_at), " · ", label(MATERIAL_STATES[upload.state]) || upload.state,
      upload.size ? ` · ${bytes(upload.size)}` : ""),
    findings.length ? h("ul", { class: "findings" }, findings.map((f) => findingItem(f, frame)))
      : h("p", { class: "hint" }, t("没有检查发现。", "No findings.")),
    measurements(upload), extra));
}

function findingItem(f, frame) {
  const highlight = (on) => {
    const svg = frame.querySelector("svg.overlay");
    svg?.classList.toggle("focusing", on);
    for (const g of svg?.querySelectorAll("g[data-code]") || []) {
      g.classList.toggle("hl", on && g.dataset.code === f.code);
    }
  };
  const limit = f.limit != null ? ` · ${t("要求", "limit")} ${shown(f.limit)}` : "";
  return h("li", { class: `finding${f.severity === "warning" ? " warning" : ""}`, dataset: { code: f.code },
    onmouseenter: () => highlight(true), onmouseleave: () => highlight(false) },
  h("span", {}, f.severity === "error" ? t("错误：", "Error: ") : t("警告：", "Warning: "), t(f.message_zh, f.message_en)),
  f.measured != null ? h("span", { class: "hint" }, ` ${t("实测", "measured")} ${shown(f.measured)}${limit}`) : null,
  " ", h("span", { class: "code" }, f.code));
}

function measurements(upload) {
  const facts = upload.facts;
  if (!facts) return null;
  const m = facts.measurements || {};
  const face = m.face || {};
  const pct = (v) => v != null && `${(v * 100).toFixed(1)}%`;
  const rows = [
    [t("图片", "Image"), [facts.format, facts.width && `${facts.width}×${facts.height} px`, facts.mode,
      facts.dpi && `${Math.round(facts.dpi)} dpi`].filter(Boolean).join(" · ")],
    [t("清晰度", "Sharpness"), m.sharpness],
    [t("背景颜色", "Background"), m.background_rgb && `RGB ${shown(m.background_rgb)}`],
    [t("眼睛位置（距顶部）", "Eye line (from top)"), pct(face.eye_line)], [t("偏离中线", "Off centre"), pct(face.centre_offset)],
    [t("歪斜", "Roll"), face.roll_deg != null && `${face.roll_deg}°`],
    [t("头部高度", "Head height"), face.head_height_mm != null && `${face.head_height_mm} mm`],
    [t("头部宽度", "Head width"), face.head_width_mm != null && `${face.head_width_mm} mm`],
    [t("编辑软件", "Editing software"), facts.software],
  ].filter(([, v]) => v != null && v !== false && v !== "");
  return h("details", { class: "measures" }, h("summary", {}, t("测量数据", "Measurements")),
    h("dl", { class: "facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))])));
}

/** Ask for a short-lived link and show the file: an image with the measurements over it, a PDF as a link. */
async function showFile(app, material, upload, def, frame) {
  const again = () => h("button", { type: "button", onclick: () => showFile(app, material, upload, def, frame) },
    t("重新载入文件", "Load the file again"));
  fill(frame, h("p", { class: "hint" }, t("正在载入文件…", "Loading the file…")));
  let link;
  try {
    link = await call("GET", `staff/applications/${enc(app.id)}/materials/${enc(material.id)}`
      + `/uploads/${enc(upload.upload_id)}/download-url`);
  } catch (err) {
    return fill(frame, h("p", { class: "field-error" }, t(err.zh, err.en)), again());
  }
  if (upload.facts?.format === "PDF") {
    return fill(frame, h("a", { href: link.url, target: "_blank", rel: "noopener" },
      t("打开 PDF 文件（5 分钟内有效）", "Open the PDF (the link works for 5 minutes)")));
  }
  const img = h("img", { src: link.url, alt: t(`${t(material.name)}（申请人上传）`, `${t(material.name)} (as uploaded)`) });
  const stage = h("div", { class: "stage" }, img);
  const f = upload.facts || {};
  const m = f.measurements || {};
  const [w, hgt] = (f.width && [f.width, f.height]) || m.face?.image_size || m.document?.size || [0, 0];
  if (w && hgt) stage.append(overlay(upload, def, w, hgt));
  img.addEventListener("load", () => {
    if (!stage.querySelector("svg.overlay")) stage.append(overlay(upload, def, img.naturalWidth, img.naturalHeight));
  });
  img.addEventListener("error", () => fill(frame, h("p", { class: "field-error" },
    t("文件无法显示（链接可能已过期）。", "The file cannot be shown (the link may have expired).")), again()));
  const toggle = h("label", { class: "check" }, h("input", { type: "checkbox", class: "overlay-toggle",
    checked: state.overlays, onchange: (e) => setOverlays(e.target.checked) }),
  t("显示测量标注 (o)", "Show measurements (o)"));
  fill(frame, stage, h("div", { class: "row legend" }, toggle, legend()));
  setOverlays(state.overlays);
}

function setOverlays(on) {
  state.overlays = on;
  for (const svg of document.querySelectorAll("svg.overlay")) svg.classList.toggle("off", !on);
  for (const box of document.querySelectorAll(".overlay-toggle")) box.checked = on;
}

function legend() {
  const key = (cls, text) => h("span", { class: "key" }, h("span", { class: `swatch ${cls}` }), text);
  return h("span", { class: "keys" }, key("error", t("错误", "error")), key("warning", t("警告", "warning")),
    key("measure", t("测量", "measured")), key("guide", t("允许范围/中线", "allowed range, centre")),
    key("sample", t("取样区域", "samples")));
}

/** Earlier uploads, drawn only when opened (each asks for its own link). */
function earlierUploads(app, material, def) {
  const list = h("ol", { class: "earlier-list" });
  const details = h("details", { class: "earlier" },
    h("summary", {}, t(`此前上传（${material.earlier.length}）`, `Earlier uploads (${material.earlier.length})`)), list);
  details.addEventListener("toggle", () => {
    if (details.open && !list.childElementCount) {
      list.append(...material.earlier.map((u) => h("li", {}, uploadView(app, material, u, def))));
    }
  });
  return details;
}

function noteField(app, material, def) {
  const id = `note-${material.id}-field`;
  const area = h("textarea", { id, name: `note-${material.id}`, rows: "2", maxlength: String(NOTE_MAX),
    onkeydown: sendOnCtrlEnter, oninput: () => noteChanged(app, material.id, area) });
  area.value = draftOf(app.id).notes[material.id] || "";
  const add = (text) => {
    const now = area.value.trim();
    if (!now.includes(text)) area.value = (now ? `${now}；${text}` : text).slice(0, NOTE_MAX);
    noteChanged(app, material.id, area);
    area.focus();
  };
  const spec = program(app.program_id)?.file_specs?.[def?.spec];
  const derived = derivedNotes(material, def, spec);
  const common = NOTE_TEMPLATES[def?.inspect?.face || spec?.background ? "photo" : "scan"]
    .filter(([zh]) => !derived.includes(zh));
  return h("div", { class: "note" },
    h("label", { for: id }, t("补充说明（要求补充材料时发送给申请人）",
      "Supplement note (sent to the applicant with a supplement request)")),
    area,
    h("div", { class: "templates", role: "group", "aria-label": t("常用说明，点击插入", "Common notes: click to insert") },
      derived.map((zh) => h("button", { type: "button", class: "template derived", onclick: () => add(zh) }, zh)),
      common.map(([zh, en]) => h("button", { type: "button", class: "template", onclick: () => add(zh) },
        lang() === "en" ? `${zh} (${en})` : zh))));
}

function noteChanged(app, materialId, area) {
  keepDraft(app.id, (d) => { d.notes[materialId] = area.value; });
  if (state.action === "request_supplement") refreshPending();
}

/** Notes written from the latest upload's findings, in words for the applicant. */
function derivedNotes(material, def, spec) {
  const colour = { white: "白色", blue: "蓝色" }[spec?.background];
  const notes = (material.latest?.findings || []).map((f) => {
    if (f.code.startsWith("photo.background") && colour) return `照片背景不符合要求，请上传${colour}背景照片`;
    if (f.code === "document.cut_off") return "材料不完整，请上传完整页面";
    if (f.code.endsWith("blurred") && !def?.inspect?.face) return "扫描件不清晰，请重新扫描上传";
    return `${f.message_zh.replace(STAFF_WORDS, "").replace(/[。.；;，,\s]+$/, "")}，请按要求重新上传`;
  });
  return [...new Set(notes)];
}

// ------------------------------------------------------------------------------------------- the overlay

const isBox = (b) => Array.isArray(b) && b.length === 4 && b.every(Number.isFinite);
const isPoint = (p) => Array.isArray(p) && p.length === 2 && p.every(Number.isFinite);
const isPoints = (pts) => Array.isArray(pts) && pts.length > 2 && pts.every(isPoint);

/**
 * An SVG over the picture, in its pixels: the viewBox is the picture's size as displayed, which is what the
 * inspections measure in. Findings are drawn first, in their severity's colour; the program's allowed ranges and
 * the plain measurements after them, skipping shapes a finding already drew.
 */
function overlay(upload, def, w, hgt) {
  const svg = s("svg", { class: "overlay", viewBox: `0 0 ${w} ${hgt}`, preserveAspectRatio: "none", role: "img",
    "aria-label": t("照片上的测量标注", "Measurements drawn over the picture") });
  const pen = painter(svg, w, hgt);
  for (const f of upload.findings || []) drawFinding(pen, f);
  const m = upload.facts?.measurements || {};
  if (def?.inspect?.face) drawGuides(pen, def.inspect.face);
  if (m.face) drawFace(pen, m.face);
  if (m.document) drawDocument(pen, m.document);
  return svg;
}

function painter(svg, w, hgt) {
  const drawn = new Set();
  const size = Math.max(w, hgt);
  /** One shape, unless an identical one is already drawn; strokes keep their width whatever the scale. */
  const shape = (g, tag, attrs) => {
    const key = tag + JSON.stringify(Object.values(attrs).map((v) => (typeof v === "number" ? Math.round(v) : v)));
    if (drawn.has(key)) return;
    drawn.add(key);
    g.append(s(tag, { ...attrs, "vector-effect": "non-scaling-stroke" }));
  };
  return {
    w, hgt,
    group(cls, code, title) {
      const g = s("g", { class: cls, "data-code": code }, s("title", {}, title));
      svg.append(g);
      return g;
    },
    rect: (g, [x, y, width, height], cls = "") => shape(g, "rect", { x, y, width, height, class: cls }),
    line: (g, x1, y1, x2, y2, cls = "") => shape(g, "line", { x1, y1, x2, y2, class: cls }),
    dot: (g, [cx, cy]) => shape(g, "circle", { cx, cy, r: size / 120, class: "dot" }),
    poly: (g, pts, cls = "") => shape(g, "polygon", { points: pts.map((p) => p.join(",")).join(" "), class: cls }),
    band: (g, y1, y2) => g.append(s("rect", { x: 0, y: y1, width: w, height: y2 - y1, class: "band" })),
    text: (g, x, y, words) => g.append(s("text", { x, y, "font-size": size / 32 }, document.createTextNode(words))),
    /** [x0, y0, x1, y1] as fractions of the picture (background samples, the sharpness region) in pixels. */
    fraction: ([x0, y0, x1, y1]) => [x0 * w, y0 * hgt, (x1 - x0) * w, (y1 - y0) * hgt],
  };
}

function drawFinding(pen, f) {
  const d = f.details || {};
  const g = pen.group(`finding-shapes ${f.severity}`, f.code, t(f.message_zh, f.message_en));
  if (f.code === "face.eye_line" && Array.isArray(f.limit)) pen.band(g, f.limit[0] * pen.hgt, f.limit[1] * pen.hgt);
  for (const r of d.regions || []) if (isBox(r.box)) pen.rect(g, pen.fraction(r.box), "sample");
  for (const c of d.cells_excluded || []) if (isBox(c)) pen.rect(g, pen.fraction(c), "excluded");
  if (isBox(d.region)) pen.rect(g, d.region.every((v) => v >= 0 && v <= 1) ? pen.fraction(d.region) : d.region);
  for (const b of [d.box, ...(d.boxes || [])]) if (isBox(b)) pen.rect(g, b);
  if (isBox(d.head_box)) pen.rect(g, d.head_box, "dashed");
  for (const p of [d.crown, d.chin, ...(d.eyes || [])]) if (isPoint(p)) pen.dot(g, p);
  if (Number.isFinite(d.eye_line_y)) pen.line(g, 0, d.eye_line_y, pen.w, d.eye_line_y);
  if (Number.isFinite(d.head_centre_x)) pen.line(g, d.head_centre_x, 0, d.head_centre_x, pen.hgt);
  if (Number.isFinite(d.centre_x)) pen.line(g, d.centre_x, 0, d.centre_x, pen.hgt, "guide-line");
  for (const pts of [d.quad, d.points]) if (isPoints(pts)) pen.poly(g, pts);
  const edges = { top: [0, 0, pen.w, 0], right: [pen.w, 0, pen.w, pen.hgt], bottom: [0, pen.hgt, pen.w, pen.hgt],
    left: [0, 0, 0, pen.hgt] };
  for (const side of d.sides || []) if (edges[side]) pen.line(g, ...edges[side], "edge");
}

/** What the program allows: the eye-line band, and the centre with its tolerance either side. */
function drawGuides(pen, rules) {
  const g = pen.group("guide", "guide", t("允许范围", "allowed range"));
  if (rules.eye_line) pen.band(g, rules.eye_line.min * pen.hgt, rules.eye_line.max * pen.hgt);
  const mid = pen.w / 2;
  const off = (rules.max_centre_offset || 0) * pen.w;
  pen.line(g, mid, 0, mid, pen.hgt, "guide-line");
  if (off) for (const x of [mid - off, mid + off]) pen.line(g, x, 0, x, pen.hgt, "guide-line faint");
}

function drawFace(pen, m) {
  const g = pen.group("measure", "measure", t("人脸测量", "face measurements"));
  if (isBox(m.face_box)) pen.rect(g, m.face_box);
  if (isBox(m.head_box)) pen.rect(g, m.head_box, "dashed");
  for (const p of [...(m.eyes || []), m.crown, m.chin]) if (isPoint(p)) pen.dot(g, p);
  if (Number.isFinite(m.head_centre_x)) pen.line(g, m.head_centre_x, 0, m.head_centre_x, pen.hgt);
  if (Number.isFinite(m.eye_line_y)) {
    pen.line(g, 0, m.eye_line_y, pen.w, m.eye_line_y);
    pen.text(g, 4, m.eye_line_y - 4, t("眼线", "eye line"));
  }
}

function drawDocument(pen, m) {
  const g = pen.group("measure", "measure", t("页面测量", "page measurements"));
  if (isPoints(m.page?.quad)) pen.poly(g, m.page.quad);
  if (isPoints(m.qr?.points)) pen.poly(g, m.qr.points, "ok-shape");
  for (const u of m.qr?.undecodable || []) if (isPoints(u.points)) pen.poly(g, u.points);
  for (const [id, code] of Object.entries(m.codes || {})) {
    if (isBox(code.label_box)) pen.rect(g, code.label_box, "dashed");
    if (!isBox(code.box)) continue;
    pen.rect(g, code.box);
    pen.text(g, code.box[0], code.box[1] - 4, `${id}: ${code.value ?? "?"}`);
  }
}

// ------------------------------------------------------------------------------- profile, eligibility, history

function profileCard(app, prog) {
  const problems = new Map();
  for (const f of [...app.assessment.invalid_fields, ...app.assessment.missing_fields]) {
    problems.set(f.field, [...(problems.get(f.field) || []), f]);
  }
  const defs = prog?.profile || [];
  const extra = Object.keys(app.profile).filter((k) => !defs.some((d) => d.id === k));
  const valueOf = (def) => {
    const choice = def.choices?.find((c) => c.value === app.profile[def.id]);
    return choice ? t(choice.zh, choice.en) : shown(app.profile[def.id]);
  };
  const row = (def) => {
    const issues = problems.get(def.id) || [];
    if (app.profile[def.id] === undefined && !issues.length) return null;
    return h("tr", { class: issues.length ? "invalid" : "" }, h("th", { scope: "row" }, t(def.name_zh, def.name_en)),
      h("td", {}, valueOf(def), issues.map((f) => h("p", { class: "field-error" }, t(f.message_zh, f.message_en)))));
  };
  return h("section", { class: "card", "aria-labelledby": "profile-title" },
    h("h3", { id: "profile-title", tabindex: "-1" }, t("报名信息", "Profile"), " ", problems.size
      ? badge("bad", t(`${problems.size} 项有问题`, `${problems.size} field(s) with problems`))
      : badge("ok", t("全部有效", "all valid"))),
    h("div", { class: "table-wrap" }, h("table", { class: "profile" }, h("tbody", {},
      [...defs, ...extra.map((id) => ({ id, name_zh: id, name_en: id }))].map(row)))));
}

function reasonItem(r) {
  return h("li", { class: r.holds ? "holds" : "fails" }, r.holds ? "✓ " : "✗ ", t(r.message_zh, r.message_en),
    r.rule ? h("span", { class: "code" }, ` ${r.rule}`) : null);
}

function eligibilityCard(app) {
  const e = app.assessment.eligibility;
  return h("section", { class: "card", "aria-labelledby": "eligibility-title" },
    h("h3", { id: "eligibility-title" }, t("报名资格", "Eligibility"), " ",
      e.eligible ? badge("ok", t("符合", "eligible")) : badge("bad", t("不符合", "not eligible"))),
    h("ul", { class: "reasons" }, e.reasons.map(reasonItem)),
    e.rules.length ? h("details", {}, h("summary", {}, t("各条规则", "Each rule")),
      h("ul", { class: "reasons" }, e.rules.map((r) => h("li", { class: r.holds ? "holds" : "fails" },
        h("strong", {}, `${r.holds ? "✓" : "✗"} ${r.id} ${t(r.name_zh, r.name_en)}`),
        h("ul", {}, r.reasons.map(reasonItem)))))) : null);
}

function historyCard(app, prog) {
  const names = Object.fromEntries((prog?.materials || []).map((m) => [m.id, t(m.name_zh, m.name_en)]));
  const item = (e) => h("li", {},
    h("strong", {}, label(ACTIONS[e.action]) || e.action), ` ${statusText(e.from_status)} → ${statusText(e.to_status)}`,
    h("span", { class: "hint" }, ` · ${when(e.at)} · ${label(ROLES[e.actor_role]) || e.actor_role}`,
      e.actor ? ` ${e.actor.slice(0, 8)}` : ""),
    e.reason ? h("p", {}, e.reason) : null,
    Object.keys(e.notes || {}).length
      ? h("ul", {}, Object.entries(e.notes).map(([m, n]) => h("li", {}, `${names[m] || m}：${n}`))) : null);
  return h("section", { class: "card", id: "history-card", "aria-labelledby": "history-title" },
    h("h3", { id: "history-title" }, t("处理记录", "History")),
    state.history ? h("ol", { class: "history", reversed: true }, [...state.history].reverse().map(item))
      : h("p", { class: "hint" }, t("处理记录暂时无法载入。", "The history could not be loaded.")));
}

// ------------------------------------------------------------------------------------------- batch approval

function batchCandidates() {
  return state.items.filter((i) => i.checks_clean && i.status === "pending_review" && !i.decided);
}

function openBatch() {
  const items = batchCandidates();
  const n = items.length;
  const confirm = $("batch-confirm");
  Object.assign(confirm, { hidden: !n, disabled: false, textContent: t(`确认通过 ${n} 份`, `Approve ${n}`) });
  fill($("batch-body"), n ? [
    h("p", {}, t(`将通过列表中 ${n} 份机器检查和规则全部通过的申请：`,
      `This approves the ${n} listed applications whose machine checks and rules all passed:`)),
    h("ul", { class: "batch-list" }, items.slice(0, 30).map((i) => h("li", {}, `${i.applicant.name} · ${i.id}`)),
      n > 30 ? h("li", {}, t(`……等共 ${n} 份`, `… ${n} in all`)) : null),
    h("p", { class: "hint" }, t("每份申请按您看到的版本通过；其间被他人处理的会被拒绝并列出。",
      "Each is approved on the version you saw; any changed meanwhile is refused and listed.")),
  ] : h("p", {}, t("列表中没有机器检查和规则全部通过、待审核的申请。",
    "No pending application in the list has passed every machine check and rule.")));
  $("batch-dialog").showModal();
  (n ? confirm : $("batch-cancel")).focus();
}

async function confirmBatch() {
  const items = batchCandidates();
  $("batch-confirm").disabled = true;
  const outcomes = [];
  try {
    for (let i = 0; i < items.length; i += BATCH_MAX) {
      const chunk = items.slice(i, i + BATCH_MAX).map((x) => ({ id: x.id, version: x.version }));
      outcomes.push(...(await call("POST", "staff/batch-approve", { items: chunk })).outcomes);
    }
  } catch (err) {
    say("error", err);
  }
  for (const o of outcomes) if (o.approved) markDecided(o.id, "approved");
  showBatchResult(items, outcomes);
  renderQueue();
  loadCounts();
  if (outcomes.some((o) => o.approved && o.id === state.app?.id)) openApp(state.app.id);
}

function showBatchResult(items, outcomes) {
  const approved = outcomes.filter((o) => o.approved).length;
  const refused = outcomes.filter((o) => !o.approved);
  const unsent = items.length - outcomes.length;
  const name = (id) => items.find((i) => i.id === id)?.applicant.name || id;
  fill($("batch-body"),
    h("p", { role: "status" }, t(`已通过 ${approved} 份；未通过 ${refused.length} 份。`,
      `Approved ${approved}; refused ${refused.length}.`)),
    refused.length
      ? h("ul", {}, refused.map((o) => h("li", {}, `${name(o.id)}：${t(o.message_zh, o.message_en) || o.code}`))) : null,
    unsent ? h("p", { class: "field-error" }, t(`还有 ${unsent} 份未能发送，请稍后重试。`,
      `${unsent} could not be sent; try again shortly.`)) : null);
  $("batch-confirm").hidden = true;
  $("batch-cancel").focus();
  say(refused.length || unsent ? "warn" : "info", `批量通过：已通过 ${approved} 份，未通过 ${refused.length} 份`,
    `Batch approval: ${approved} approved, ${refused.length} refused.`);
}

// ------------------------------------------------------------------------------------------- admin

async function renderAdmin() {
  const local = state.cfg.local;
  fill($("admin-body"), h("p", { class: "hint" }, t("正在载入…", "Loading…")));
  let [clock, ...programs] = [null, ...state.programs];
  try {
    [clock, ...programs] = await Promise.all([local ? call("GET", "_local/clock") : null,
      ...state.programs.map((p) => call("GET", `programs/${enc(p.id)}`))]);
  } catch (err) {
    say("error", err);
  }
  if ($("admin-view").hidden) return;
  fill($("admin-body"), local ? clockCard(clock) : null, programs.map((p) => windowsCard(p, clock)),
    local ? smsCard() : null);
  if (local) startAdminPolling();
}

function windowsCard(prog, clock) {
  const now = new Date(clock?.now || Date.now());
  const windows = prog.windows || {};
  const row = (w) => {
    const [opens, closes] = [new Date(w.opens), new Date(w.closes)];
    const status = now < opens ? badge("muted", t("未开始", "not yet open"))
      : now < closes ? badge("ok", t("进行中", "open")) : badge("muted", t("已结束", "closed"));
    return h("tr", {}, h("th", { scope: "row" }, t(w.name_zh, w.name_en), h("span", { class: "code" }, ` ${w.rule}`)),
      h("td", {}, when(w.opens)), h("td", {}, when(w.closes)), h("td", {}, status));
  };
  const list = ["first_upload", "supplement", "review", "results"].map((k) => windows[k]).filter(Boolean);
  const days = windows.upload_days_after_confirmation;
  const heads = [t("窗口", "Window"), t("开始（北京时间）", "Opens (Beijing)"), t("结束", "Closes"), t("现在", "Now")];
  return h("section", { class: "card", "aria-label": t(prog.name_zh, prog.name_en) },
    h("h2", {}, t("时间窗口：", "Windows: "), t(prog.name_zh, prog.name_en)),
    list.length ? h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, heads.map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, list.map(row))))
      : h("p", {}, t("本项目没有固定的时间窗口。", "This program has no fixed windows.")),
    days ? h("p", {}, t(`确认短信后 ${days} 天内须上传材料。`, `Materials are due ${days} days after the confirmation SMS.`))
      : null,
    h("p", { class: "hint" }, prog.review_sla_hours
      ? t(`审核时限：${prog.review_sla_hours} 小时`, `Review SLA: ${prog.review_sla_hours} h`)
      : t("本项目未设审核时限。", "No review SLA for this program.")));
}

function clockCard(clock) {
  const advance = (seconds, text) => h("button", { type: "button",
    onclick: () => moveClock({ advance_seconds: seconds }) }, text);
  return h("section", { class: "card", "aria-labelledby": "clock-title" },
    h("h2", { id: "clock-title" }, t("本地时钟", "Local clock")),
    h("p", {}, t("当前时间：", "Now: "), h("time", { id: "clock-now", datetime: clock?.now || "" }, clock?.now || "—"),
      clock?.timezone ? h("span", { class: "hint" }, ` (${clock.timezone})`) : null),
    h("form", { class: "clock-form", onsubmit: (e) => { e.preventDefault(); setClock(); } },
      h("label", { for: "clock-set" }, t("设为（ISO 时间，不写时区则按北京时间 +08:00）",
        "Set to (ISO time; without an offset, Beijing time +08:00)")),
      h("div", { class: "row" }, h("input", { id: "clock-set", type: "text", value: clock?.now || "",
        spellcheck: "false", autocomplete: "off", placeholder: "2023-11-04T13:58:00+08:00" }),
      h("button", { type: "submit", id: "clock-apply", class: "primary" }, t("设置时钟", "Set the clock")))),
    h("div", { class: "row" }, advance(3600, t("+1 小时", "+1 hour")), advance(86400, t("+1 天", "+1 day")),
      advance(73 * 3600, t("+73 小时（超过审核时限）", "+73 hours (past the SLA)"))));
}

function setClock() {
  let value = $("clock-set").value.trim().replace(/^(\d{4}-\d{2}-\d{2}) (?=\d)/, "$1T");
  if (!value) return say("error", "请输入时间", "Enter a time.");
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(value)) value += "+08:00";
  moveClock({ set: value });
}

/** The local stack's clock answers {"message"} to a bad request, not the API's error shape: show its words. */
async function moveClock(body) {
  let response;
  try {
    response = await fetch(new URL("_local/clock", apiBase()), { method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json" } });
  } catch {
    return say("error", "网络连接失败，时钟未改变", "Could not reach the local stack; the clock is unchanged.");
  }
  const answer = await response.json().catch(() => ({}));
  const why = answer.message || `HTTP ${response.status}`;
  if (!response.ok) return say("error", `时钟未改变：${why}`, `The clock is unchanged: ${why}`);
  showClock(answer);
  state.queueLoaded = false; // waiting times and deadlines moved with it
  notify(`本地时钟已设为 ${answer.now}`, `The local clock now reads ${answer.now}.`);
}

function showClock(clock) {
  const now = $("clock-now");
  if (!now || !clock) return;
  now.textContent = clock.now;
  now.setAttribute("datetime", clock.now);
}

function smsCard() {
  return h("section", { class: "card", "aria-labelledby": "sms-title" },
    h("h2", { id: "sms-title" }, t("短信发件箱（本地）", "SMS outbox (local)")),
    h("p", { class: "hint" }, t("通知服务发出的每条短信，最新的在前；每 5 秒刷新。",
      "Every text the notifier sent, newest first; refreshed every 5 s.")),
    h("p", {}, h("button", { type: "button", onclick: loadSms }, t("立即刷新", "Refresh now"))),
    h("ol", { id: "sms-outbox", class: "sms" }));
}

async function loadSms() {
  try {
    const { messages } = await call("GET", "_local/sms");
    const list = $("sms-outbox");
    if (!list) return;
    fill(list, messages.length ? messages.map((m) => h("li", { dataset: { messageId: m.message_id } },
      h("strong", {}, m.phone), h("p", {}, m.text))) : h("li", { class: "hint" }, t("还没有短信。", "No texts yet.")));
  } catch (err) {
    say("error", err);
  }
}

function startAdminPolling() {
  stopAdminPolling();
  loadSms();
  state.adminTimer = setInterval(() => {
    loadSms();
    call("GET", "_local/clock").then(showClock, () => {});
  }, 5000);
}

function stopAdminPolling() {
  clearInterval(state.adminTimer);
  state.adminTimer = null;
}

// ------------------------------------------------------------------------------------------- keyboard

function onKey(event) {
  if (event.defaultPrevented || event.altKey || event.metaKey) return;
  if (document.querySelector("dialog[open]") || $("workspace").hidden) return;
  const target = event.target;
  if (isTyping(target)) {
    if (event.key === "Escape" && state.action) cancelDecision();
    return;
  }
  if (event.ctrlKey) return;
  const inList = target === document.body || target.closest?.("#queue-list");
  const keys = {
    j: () => move(1), k: () => move(-1), ArrowDown: inList && (() => move(1)), ArrowUp: inList && (() => move(-1)),
    Enter: target === document.body && state.selected >= 0 && (() => rows()[state.selected]?.click()),
    a: () => choose("approve"), s: () => choose("request_supplement"), r: () => choose("reject"),
    Escape: cancelDecision, o: () => setOverlays(!state.overlays), "/": () => $("search").focus(),
    "?": () => $("help-dialog").showModal(),
  };
  const run = keys[event.key];
  if (!run) return;
  event.preventDefault();
  run();
}

// ------------------------------------------------------------------------------------------- routing and start

function route() {
  if (!isStaff()) return;
  const app = /^#\/app\/([0-9A-Za-z_-]+)/.exec(location.hash);
  const admin = location.hash.startsWith("#/admin");
  if (admin === $("admin-view").hidden) clearMessages();
  if (admin) {
    showView("admin");
    return renderAdmin();
  }
  showView(app ? "app" : "queue");
  if (!state.queueLoaded && !state.queueLoading) loadQueue();
  else renderCounts();
  if (app && app[1] !== state.app?.id) openApp(app[1]);
  else if (!state.app) {
    fill($("detail-pane"), h("p", { class: "hint empty" },
      t("从队列中选择一份申请（j/k 选择，Enter 打开）。", "Pick an application from the queue (j/k to move, Enter to open).")));
  }
}

function redraw() {
  $("lang-toggle").textContent = lang() === "en" ? "中文" : "English";
  $("lang-toggle").setAttribute("lang", lang() === "en" ? "zh-CN" : "en");
  if (!isStaff() || !state.programs.length) return;
  const admin = !$("admin-view").hidden;
  showView(admin ? "admin" : $("workspace").classList.contains("show-detail") ? "app" : "queue");
  fillFilters();
  renderCounts();
  renderQueue();
  if (admin) renderAdmin();
  else if (state.app) renderDetail();
  else route();
}

async function start() {
  applyStaticText();
  redraw();
  const on = (id, type, handler) => $(id).addEventListener(type, handler);
  on("lang-toggle", "click", () => setLang(lang() === "en" ? "zh" : "en", redraw));
  on("signin-form", "submit", onSignIn);
  on("signout", "click", onSignOut);
  on("denied-signout", "click", onSignOut);
  on("program", "change", onProgramChange);
  for (const id of ["filter-status", "filter-category", "filter-clean", "filter-overdue"]) {
    on(id, "change", onFilterChange);
  }
  for (const id of ["search", "filter-finding"]) {
    on(id, "input", onTypedFilter);
    on(id, "keydown", (e) => { if (e.key === "Enter") { clearTimeout(searchTimer); onFilterChange(); } });
  }
  on("queue-refresh", "click", () => loadQueue());
  on("batch-approve", "click", openBatch);
  on("batch-confirm", "click", confirmBatch);
  on("batch-cancel", "click", () => $("batch-dialog").close());
  on("batch-dialog", "close", () => $("batch-approve").focus());
  on("help-open", "click", () => $("help-dialog").showModal());
  on("help-close", "click", () => $("help-dialog").close());
  document.querySelector(".skip").addEventListener("click", (e) => { e.preventDefault(); $("main").focus(); });
  document.addEventListener("keydown", onKey);
  window.addEventListener("hashchange", route);
  try {
    state.cfg = await config();
  } catch {
    return say("error", "无法读取页面配置，请刷新页面重试", "Could not read the page's settings; reload the page.");
  }
  await enter();
}

start();
