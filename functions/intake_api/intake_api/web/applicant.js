// The applicant's site: sign-up and sign-in, my applications, the profile form, uploads checked in the browser
// and then by the server, submission and status. One page, routed by the hash: #/signin, #/signup, #/confirm,
// #/ (my applications) and #/app/<id>.

import {
  api, applyStaticText, clearMessages, config, confirmSignUp, h, isStaff, keepDraft, lang, postToS3,
  resendCode, say, session, setLang, signIn, signOut, signUp, STATUS, t, when,
} from "./common.js";

const state = {
  programs: new Map(), // program id -> definition (materials, file specs, profile fields, windows)
  allPrograms: false,
  apps: [],
  current: null, // {view, program} of the open application
  files: {}, // material id -> the chosen file and what became of it; kept across redraws and failures
  redraw: null,
  message: null,
  flash: null,
  email: sessionStorage.getItem("intake.signup-email") || "",
  savedOnce: false,
};

const STATE = { missing: ["未上传", "not uploaded", "muted"], checking: ["正在检查", "checking", "warn"],
  passed: ["已通过", "passed", "ok"], failed: ["未通过", "failed", "bad"], waived: ["已免交", "waived", "muted"] };
const REQUIREMENT = { required: ["必须上传", "required"], optional: ["可选", "optional"],
  waived: ["免交", "waived"], not_applicable: ["无需上传", "not needed"] };
const UPLOADABLE = new Set(["draft", "supplement_required"]);
const UNFINISHED_UPLOAD = new Set(["issued", "checking", "inspecting"]);

const $ = (selector, root = document) => root.querySelector(selector);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const loading = () => $("#view").replaceChildren(h("p", { class: "hint" }, t("正在加载…", "Loading…")));
const heading = (zh, en) => h("h1", { tabindex: -1 }, t(zh, en));
const card = (...children) => h("section", { class: "card" }, ...children);

// ------------------------------------------------------------------------------------------- routing

const ROUTES = [
  [/^#\/signin$/, signInPage, true],
  [/^#\/signup$/, signUpPage, true],
  [/^#\/confirm$/, confirmPage, true],
  [/^#\/app\/([0-9A-Za-z]+)$/, appPage, false],
  [/^#\/?$/, homePage, false],
];

async function route(moved = true) {
  const hash = location.hash || "#/";
  const found = ROUTES.find(([pattern]) => pattern.test(hash));
  if (!found) return location.replace("#/");
  const [pattern, page, open] = found;
  updateHeader();
  if (!open && !session()) return location.replace("#/signin");
  if (open && session()) return location.replace("#/");
  if (state.current && hash !== `#/app/${state.current.view.id}`) forgetApplication();
  untell();
  if (state.flash) tell(...state.flash);
  state.flash = null;
  if (isStaff()) show(staffPage);
  else await page(...hash.match(pattern).slice(1));
  if (moved) $("#view h1")?.focus();
}

function go(hash, flash) {
  state.flash = flash || null;
  if (location.hash === hash) route();
  else location.hash = hash;
}

/** Draw a page from data already loaded; the language switch draws it again with the same function. */
function show(render) {
  state.redraw = render;
  $("#view").replaceChildren(...[render()].flat(Infinity).filter(Boolean));
}

/** After a language switch: the same page in the other language, with whatever was typed still in it. */
function redraw() {
  const typed = [...$("#view").querySelectorAll("input[id]:not([type=file]), select[id], textarea[id]")]
    .map((el) => [el.id, el.value]);
  if (state.redraw) show(state.redraw);
  for (const [id, value] of typed) {
    const el = document.getElementById(id);
    if (el) el.value = value;
  }
  for (const form of $("#view").querySelectorAll("form")) form.dispatchEvent(new Event("input"));
  if (state.message) tell(...state.message);
  updateHeader();
}

function updateHeader() {
  const current = session();
  $("#signout").hidden = !current;
  $("#nav-home").hidden = !current || isStaff(current);
  $("#who").textContent = current?.email || "";
  const toggle = $("#lang-toggle");
  toggle.textContent = lang() === "zh" ? "English" : "中文";
  toggle.lang = lang() === "zh" ? "en" : "zh-CN";
}

// ------------------------------------------------------------------------------------------- messages

/** say() that remembers the message, so the language switch can show it again. */
function tell(kind, what, en, extra) {
  state.message = [kind, what, en, extra];
  const box = say(kind, what, en);
  if (extra) box.querySelector("span").append(extra());
  return box;
}

function untell() {
  state.message = null;
  clearMessages();
}

const announce = (zh, en) => { $("#live").textContent = t(zh, en); };

function sessionExpired() {
  signOut();
  go("#/signin", ["error", "登录已过期，请重新登录", "Your sign-in has expired; please sign in again."]);
}

/** A request failed: an expired sign-in leads back to the sign-in page, anything else is said. */
function complain(err) {
  if (err.status === 401 && session()) return sessionExpired();
  if (err.zh) return tell("error", err);
  // Not from the API: config.json could not be fetched, and common.js keeps that failure until a reload.
  tell("error", "无法连接服务器，请检查网络后刷新页面重试（已填写的内容不会丢失）",
    "Could not reach the server. Check your connection and reload the page (nothing you typed is lost).");
}

/** complain() without scrolling away from where the applicant is working (say() brings the message into view). */
function complainHere(err) {
  const y = window.scrollY;
  complain(err);
  window.scrollTo(0, y);
}

/** A page could not load: say why and offer to try again. */
function failed(err) {
  complain(err);
  if (err.status === 401) return;
  show(() => [heading("暂时无法显示", "Could not load this page"), h("div", { class: "row" },
    h("button", { type: "button", class: "primary", onclick: () => route() }, t("重试", "Try again")),
    h("a", { class: "button", href: "#/" }, t("返回我的申请", "Back to my applications")))]);
}

/** Disable a button while its request runs, so a double tap sends nothing twice. */
async function busy(button, promise) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await promise;
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

// ------------------------------------------------------------------------------------------- small forms

function field(id, label, attrs = {}, hint) {
  const { tag = "input", children = [], ...rest } = attrs;
  return h("div", { class: "field" },
    h("label", { for: id }, label, rest.required ? h("span", { class: "req", "aria-hidden": "true" }, "*") : null),
    hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null,
    h(tag, { id, name: id, "aria-describedby": hint ? `${id}-hint` : undefined, ...rest }, children),
    h("div", { class: "field-error", id: `${id}-error`, hidden: true }));
}

/** Show (or with no message, clear) the message under one input, wired to it for screen readers. */
function setError(input, message) {
  const box = document.getElementById(`${input.id}-error`);
  if (!box) return;
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((d) => d && d !== box.id);
  if (message) described.push(box.id);
  if (described.length) input.setAttribute("aria-describedby", described.join(" "));
  else input.removeAttribute("aria-describedby");
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  box.textContent = message || "";
  box.hidden = !message;
}

/** checks: [[input id, value => [zh, en] or null]]. Marks every problem, focuses the first, says if all passed. */
function validate(checks) {
  let first = null;
  for (const [id, check] of checks) {
    const input = document.getElementById(id);
    const problem = check(input.value.trim());
    setError(input, problem && t(...problem));
    if (problem) first ??= input;
  }
  first?.focus();
  return !first;
}

const value = (id) => document.getElementById(id).value.trim();
const needed = (zh, en) => (v) => (v ? null : [`请填写${zh}`, `Enter ${en}.`]);
const phoneCheck = (optional) => (v) => ((optional && !v) || /^1[3-9]\d{9}$/.test(v) ? null
  : ["请填写 11 位手机号码，如 13800138000", "Enter an 11-digit mobile number, e.g. 13800138000."]);
const emailCheck = (v) => (/^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$/.test(v) ? null
  : ["请填写有效的电子邮箱地址", "Enter a valid e-mail address."]);

/** The API's per-field messages (applicant.phone, …) under the inputs they belong to. */
function showFieldErrors(fields, inputFor) {
  for (const f of fields || []) {
    const input = inputFor(f.field);
    if (input) setError(input, t(f.message_zh, f.message_en));
  }
}

// ------------------------------------------------------------------------------------------- sign-up, sign-in

/** A small form page: title, fields, buttons, links below. `submit` runs after the checks pass. */
function formPage(id, [zh, en], fields, buttons, links, { checks, submit }) {
  const onsubmit = async (event) => {
    event.preventDefault();
    if (!validate(checks)) return;
    try {
      await busy($(`#${id}-submit`), submit());
    } catch (err) {
      complain(err);
    }
  };
  return [heading(zh, en), card(h("form", { id: `${id}-form`, novalidate: true, onsubmit }, fields,
    h("div", { class: "actions row" }, buttons)), links.map((link) => h("p", { class: "aside" }, link)))];
}

const emailField = (id, autocomplete = "username", hint) => field(id, t("电子邮箱", "E-mail"),
  { type: "email", autocomplete, required: true, inputmode: "email", value: state.email }, hint);
const primary = (id, zh, en) => h("button", { id, class: "primary", type: "submit" }, t(zh, en));

function rememberEmail(email) {
  state.email = email;
  sessionStorage.setItem("intake.signup-email", email);
}

function signInPage() {
  show(() => formPage("signin", ["登录", "Sign in"], [
    emailField("signin-email"),
    field("signin-password", t("密码", "Password"), { type: "password", autocomplete: "current-password", required: true }),
  ], primary("signin-submit", "登录", "Sign in"), [
    [t("还没有账号？", "No account yet? "), h("a", { href: "#/signup", id: "to-signup" }, t("注册新账号", "Sign up"))],
    h("a", { href: "#/confirm" }, t("已注册但未激活？输入验证码", "Signed up but not confirmed? Enter the code")),
  ], {
    checks: [["signin-email", emailCheck], ["signin-password", needed("密码", "your password")]],
    submit: async () => {
      const email = value("signin-email");
      try {
        await signIn(email, $("#signin-password").value);
        rememberEmail(email);
        go("#/");
      } catch (err) {
        if (err.code !== "cognito.UserNotConfirmedException") throw err;
        rememberEmail(email);
        go("#/confirm", ["warn", err.zh, err.en]);
      }
    },
  }));
}

function signUpPage() {
  show(() => formPage("signup", ["注册账号", "Create an account"], [
    emailField("signup-email", "email", t("用于登录和接收验证码", "For signing in and the confirmation code")),
    field("signup-password", t("密码", "Password"), { type: "password", autocomplete: "new-password", required: true },
      t("至少 8 位，须包含数字", "At least 8 characters, including a digit")),
    field("signup-name", t("姓名（选填）", "Name (optional)"), { autocomplete: "name", maxlength: 50 }),
    field("signup-phone", t("手机号码（选填）", "Mobile number (optional)"), { type: "tel", autocomplete: "tel-national",
      inputmode: "numeric", maxlength: 11 }, t("11 位手机号码", "11-digit mainland mobile number")),
  ], primary("signup-submit", "注册", "Sign up"), [
    [t("已有账号？", "Already registered? "), h("a", { href: "#/signin" }, t("直接登录", "Sign in"))],
  ], {
    checks: [["signup-email", emailCheck], ["signup-password", (v) => (v.length >= 8 && /\d/.test(v) ? null
      : ["密码至少 8 位，须包含数字", "The password needs at least 8 characters, including a digit."])],
    ["signup-phone", phoneCheck(true)]],
    submit: async () => {
      const email = value("signup-email");
      const answer = await signUp(email, $("#signup-password").value, value("signup-name"), value("signup-phone"));
      rememberEmail(email);
      if (answer.UserConfirmed) return go("#/signin", ["info", "注册成功，请登录", "Signed up; please sign in."]);
      go("#/confirm", ["info", `验证码已发送至 ${email}，请查收邮件`, `A confirmation code was sent to ${email}.`]);
    },
  }));
}

async function confirmPage() {
  const { local } = await config().catch(() => ({}));
  const resend = async () => {
    if (!validate([["confirm-email", emailCheck]])) return;
    const email = value("confirm-email");
    try {
      await busy($("#resend-code"), resendCode(email));
      rememberEmail(email);
      tell("info", `新的验证码已发送至 ${email}`, `A new code was sent to ${email}.`);
    } catch (err) {
      complain(err);
    }
  };
  show(() => formPage("confirm", ["激活账号", "Confirm your account"], [
    emailField("confirm-email"),
    field("confirm-code", t("验证码", "Confirmation code"), { autocomplete: "one-time-code", inputmode: "numeric",
      required: true, maxlength: 10 }, t("邮件中的验证码，24 小时内有效", "The code from the e-mail, valid for 24 hours")),
    local ? h("p", { class: "message warn local-hint" }, t("本地测试环境不发送邮件：任意验证码均可。",
      "Local test stack: no e-mail is sent, and any code works.")) : null,
  ], [primary("confirm-submit", "激活账号", "Confirm"),
    h("button", { id: "resend-code", type: "button", onclick: resend }, t("重新发送验证码", "Send a new code"))],
  [h("a", { href: "#/signin" }, t("返回登录", "Back to sign-in"))], {
    checks: [["confirm-email", emailCheck], ["confirm-code", needed("验证码", "the code")]],
    submit: async () => {
      const email = value("confirm-email");
      await confirmSignUp(email, value("confirm-code"));
      rememberEmail(email);
      go("#/signin", ["info", "账号已激活，请登录", "Your account is confirmed; please sign in."]);
    },
  }));
}

function staffPage() {
  return [heading("审核人员账号", "Staff account"), card(
    h("p", {}, t("您登录的是审核人员账号。本页面供申请人使用，审核请前往审核控制台。",
      "You are signed in with a staff account. This site is for applicants; reviews are done in the staff console.")),
    h("a", { class: "button primary", href: "staff", id: "staff-link" }, t("打开审核控制台", "Open the staff console")))];
}

// ------------------------------------------------------------------------------------------- my applications

async function loadPrograms() {
  if (!state.allPrograms) {
    for (const p of (await api("GET", "programs")).programs) state.programs.set(p.id, p);
    state.allPrograms = true;
  }
}

async function loadProgram(id) {
  if (!state.programs.has(id)) state.programs.set(id, await api("GET", `programs/${encodeURIComponent(id)}`));
  return state.programs.get(id);
}

function statusBadge(status, label) {
  const [zh, en, tone] = STATUS[status] || [status, status, "muted"];
  return h("span", { class: `badge ${tone}` }, label ? t(label) : t(zh, en));
}

async function homePage() {
  loading();
  try {
    [{ applications: state.apps }] = await Promise.all([api("GET", "applications"), loadPrograms()]);
  } catch (err) {
    return failed(err);
  }
  show(homeView);
}

function homeView() {
  const name = (id) => (state.programs.has(id) ? t(state.programs.get(id).name_zh, state.programs.get(id).name_en) : id);
  const list = state.apps.length
    ? h("ul", { class: "apps" }, state.apps.map((a) => h("li", {},
      h("a", { href: `#/app/${a.id}`, dataset: { application: a.id } },
        h("span", { class: "app-name" }, name(a.program_id)), statusBadge(a.status, a.status_label),
        h("span", { class: "hint" }, `${t("创建于", "Created")} ${when(a.created_at)} · ${t("编号", "No.")} ${a.id}`)))))
    : h("p", { class: "hint" }, t("您还没有申请，请在下方新建。", "You have no applications yet; start one below."));
  return [heading("我的申请", "My applications"), card(list), newApplicationCard()];
}

function newApplicationCard() {
  const form = h("form", { id: "new-form", novalidate: true, onsubmit: onCreate },
    field("new-program", t("报名项目", "Program"), { tag: "select", name: "program_id", required: true, children: [
      h("option", { value: "" }, t("请选择", "Choose…")),
      [...state.programs.values()].map((p) => h("option", { value: p.id }, t(p.name_zh, p.name_en)))] }),
    field("new-name", t("姓名", "Name"), { name: "name", required: true, autocomplete: "name", maxlength: 50 },
      t("与证件一致的真实姓名", "Your real name as on your ID document")),
    field("new-phone", t("手机号码", "Mobile number"), { name: "phone", type: "tel", required: true,
      autocomplete: "tel-national", inputmode: "numeric", maxlength: 11 },
    t("11 位手机号码，用于接收审核结果短信", "11 digits; the review result is sent here by SMS")),
    h("div", { class: "actions" }, primary("new-submit", "创建申请", "Start the application")));
  form.draft = keepDraft(form, "intake.draft.new");
  const me = claims();
  form.elements.name.value ||= me.name || "";
  form.elements.phone.value ||= (me.phone_number || "").replace(/^\+86/, "");
  return h("section", { class: "card", "aria-labelledby": "new-heading" },
    h("h2", { id: "new-heading" }, t("新建申请", "Start a new application")), form);
}

/** The signed-in user's name and phone from the ID token, to fill in the new-application form. */
function claims() {
  try {
    const payload = session().idToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}

async function onCreate(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const checks = [["new-program", (v) => (v ? null : ["请选择报名项目", "Choose a program."])],
    ["new-name", needed("姓名", "your name")], ["new-phone", phoneCheck(false)]];
  if (!validate(checks)) return;
  const body = { program_id: value("new-program"), applicant: { name: value("new-name"), phone: value("new-phone") } };
  try {
    const created = await busy($("#new-submit"), api("POST", "applications", body));
    form.draft.clear();
    state.current = { view: created, program: await loadProgram(created.program_id) };
    go(`#/app/${created.id}`, ["info", "申请已创建，请填写资料并上传材料", "Application started: fill in your details and upload the materials."]);
  } catch (err) {
    complain(err);
    const inputs = { program_id: "new-program", "applicant.name": "new-name", "applicant.phone": "new-phone" };
    showFieldErrors(err.fields, (name) => document.getElementById(inputs[name]));
  }
}

// ------------------------------------------------------------------------------------------- one application

async function appPage(id) {
  if (state.current?.view.id !== id) {
    loading();
    try {
      const view = await api("GET", `applications/${id}`);
      state.current = { view, program: await loadProgram(view.program_id) };
    } catch (err) {
      return failed(err);
    }
  }
  show(appView);
}

function forgetApplication() {
  for (const entry of Object.values(state.files)) URL.revokeObjectURL(entry.preview);
  Object.assign(state, { files: {}, current: null, savedOnce: false });
}

function appView() {
  const { view: v, program } = state.current;
  return [
    h("p", { class: "back" }, h("a", { href: "#/" }, `← ${t("我的申请", "My applications")}`)),
    heading(v.program_name.zh, v.program_name.en),
    statusCard(v, program), notesCard(v), formsCard(v),
    h("div", { class: "columns" },
      h("div", {}, program.eligibility ? eligibilityCard(v) : null, profileCard(v, program)),
      h("div", {}, materialsCard(v), submitCard(v))),
    historyCard(v),
  ];
}

/** When what the applicant must do now has to be done by, or null where the program sets no date. */
function deadline(v, { windows = {} }) {
  if (v.status === "supplement_required") return windows.supplement?.closes;
  if (v.status === "pending_review") return windows.review?.closes;
  if (v.status !== "draft") return null;
  const closes = windows.first_upload?.closes ? new Date(windows.first_upload.closes) : null;
  const days = windows.upload_days_after_confirmation;
  const personal = days ? new Date(Date.parse(v.created_at) + days * 86_400_000) : null;
  return personal && (!closes || personal < closes) ? personal : closes;
}

const NEXT_STEP = {
  draft: ["请填写报名资料，上传全部必须上传的材料，然后点击“提交申请”。",
    "Fill in your details, upload every required material, then press “Submit application”."],
  pending_review: ["已提交，正在等待审核，目前无需操作。审核结果将以短信通知。",
    "Submitted and waiting for review; nothing to do now. You will get the result by SMS."],
  supplement_required: ["请按审核意见重新上传下列材料，然后点击“重新提交”。",
    "Upload the materials named below again as the reviewer asks, then press “Resubmit”."],
  approved: ["审核已通过。", "Your application is approved."],
  rejected: ["审核未通过。", "Your application did not pass review."],
  expired: ["已超过办理期限，申请已失效，不能再修改或提交。",
    "The deadline has passed: the application has expired and can no longer be changed or submitted."],
  abandoned: ["未在规定期限内上传材料，视为放弃。", "Materials were not uploaded in time, so the application counts as abandoned."],
};

function nextStep(v, program) {
  let [zh, en] = NEXT_STEP[v.status] || ["", ""];
  if (v.status === "approved") {
    [zh, en] = v.forms?.length ? [`${zh}请下载并打印下方的表格。`, `${en} Download and print the forms below.`]
      : [`${zh}无需其他操作。`, `${en} Nothing else to do.`];
  }
  const closes = deadline(v, program);
  if (closes) {
    const past = new Date(closes) < new Date();
    const [labelZh, labelEn] = v.status === "pending_review" ? ["审核截止", "Review ends"] : ["截止时间", "Deadline"];
    zh += ` ${labelZh}：${when(closes)}（北京时间）${past ? "，已截止" : ""}`;
    en += ` ${labelEn}: ${when(closes)} (Beijing time)${past ? ", now passed" : ""}.`;
  }
  return [zh, en];
}

function statusCard(v, program) {
  const reason = ["rejected", "supplement_required"].includes(v.status) && v.decision?.reason;
  return h("section", { class: "card status-card", "aria-labelledby": "status-heading" },
    h("h2", { id: "status-heading" }, t("办理状态", "Status")),
    h("p", { id: "status", class: "status", dataset: { status: v.status } }, statusBadge(v.status, v.status_label)),
    h("p", { class: "next-step" }, t(...nextStep(v, program))),
    reason ? h("p", { class: "decision-reason" }, h("strong", {}, v.status === "rejected" ? t("原因：", "Reason: ")
      : t("审核意见：", "Reviewer's note: ")), reason) : null,
    h("p", { class: "hint" }, `${t("申请编号", "Application no.")} ${v.id}`,
      v.submitted_at ? ` · ${t("提交于", "Submitted")} ${when(v.submitted_at)}` : ""));
}

function materialName(id) {
  const m = state.current.view.materials.find((x) => x.id === id);
  return m ? t(m.name) : id;
}

const focusLink = (target, ...text) => h("a", { href: `#${target}`, dataset: { focus: target } }, ...text);

function notesCard(v) {
  const notes = Object.entries(v.supplement_notes || {});
  if (!notes.length) return null;
  return h("section", { class: "card notes", "aria-labelledby": "notes-heading" },
    h("h2", { id: "notes-heading" }, t("审核意见：请补充以下材料", "The reviewer asks for these materials again")),
    h("ul", {}, notes.map(([id, note]) => h("li", { class: "supplement-note" },
      focusLink(`m-${id}`, materialName(id)), `${t("：", ": ")}${note}`))));
}

function formsCard(v) {
  if (!v.forms?.length) return null;
  const minutes = Math.round((v.forms[0].expires_in || 900) / 60);
  return h("section", { class: "card", "aria-labelledby": "forms-heading" },
    h("h2", { id: "forms-heading" }, t("下载表格", "Forms to download")),
    h("ul", { class: "forms" }, v.forms.map((f) => h("li", {}, h("a", { href: f.url, dataset: { form: f.id },
      target: "_blank", rel: "noopener", class: "button" }, `${t(f.name)} (PDF)`)))),
    h("p", { class: "hint" }, t(`链接 ${minutes} 分钟内有效，过期后请刷新本页。`,
      `The links work for ${minutes} minutes; reload this page for new ones.`)));
}

const reasonText = (r) => `${t(r.message_zh, r.message_en)}${r.rule ? ` (${r.rule})` : ""}`;

function eligibilityCard(v) {
  const { eligible, eligibility } = v.assessment;
  return h("section", { class: "card", "aria-labelledby": "eligibility-heading" },
    h("h2", { id: "eligibility-heading" }, t("报名资格", "Eligibility"), " ",
      h("span", { class: `badge ${eligible ? "ok" : "bad"}` }, eligible ? t("符合条件", "eligible") : t("暂不符合", "not eligible yet"))),
    h("ul", { class: "reasons" }, eligibility.reasons.filter((r) => eligible || !r.holds).map((r) => h("li", {}, reasonText(r)))));
}

function problemList(problems) {
  return h("ul", { class: "problems" }, problems.map((p) => {
    const target = p.field ? `f-${p.field}` : p.material ? `m-${p.material}` : null;
    const text = t(p.message_zh, p.message_en);
    return h("li", {}, target ? focusLink(target, text) : text);
  }));
}

function submitCard(v) {
  const action = v.allowed_actions.find((a) => a === "submit" || a === "resubmit");
  const blocking = v.blocking || [];
  const n = blocking.length;
  return h("section", { class: "card", id: "submit-card", "aria-labelledby": "submit-heading" },
    h("h2", { id: "submit-heading" }, t("提交", "Submit")),
    n ? [h("p", { id: "blocking-intro" }, t(`提交前还需完成 ${n} 项：`, `${n} thing${n > 1 ? "s" : ""} to do before you can submit:`)),
      problemList(blocking)]
      : action ? h("p", { class: "hint" }, t("资料和材料已就绪，可以提交。提交后资料不能再修改。",
        "Everything is ready. Once submitted, your details can no longer be changed.")) : null,
    action ? h("button", { id: "submit-application", class: "primary", type: "button", onclick: onSubmit,
      "aria-describedby": n ? "blocking-intro" : undefined },
    action === "resubmit" ? t("重新提交", "Resubmit") : t("提交申请", "Submit application"))
      : h("p", { class: "hint" }, t("当前状态下无需提交。", "There is nothing to submit in this status.")));
}

async function onSubmit(event) {
  const v = state.current.view;
  try {
    state.current.view = await busy(event.currentTarget, api("POST", `applications/${v.id}/submit`));
    show(appView);
    tell("info", "已提交，等待审核。", "Submitted; it is now waiting for review.");
    $("#view h1").focus();
  } catch (err) {
    const reasons = err.details?.reasons;
    if (!reasons?.length) return complain(err);
    tell("error", err, null, () => problemList(reasons)).setAttribute("tabindex", "-1");
    $("#messages .message").focus();
  }
}

function historyCard(v) {
  const list = h("div", {}, h("p", { class: "hint" }, t("正在加载…", "Loading…")));
  const details = h("details", { class: "card history", id: "history" }, h("summary", {}, t("办理记录", "History")), list);
  details.addEventListener("toggle", async () => {
    if (!details.open || details.dataset.loaded) return;
    try {
      const { events } = await api("GET", `applications/${v.id}/history`);
      details.dataset.loaded = "yes";
      list.replaceChildren(events.length ? h("ol", {}, events.map(historyLine)) : h("p", { class: "hint" }, t("暂无记录", "Nothing yet")));
    } catch (err) {
      list.replaceChildren(h("p", { class: "field-error" }, t(err.zh, err.en)));
    }
  });
  return details;
}

function historyLine(e) {
  const label = (s) => t(...(STATUS[s] || [s, s]));
  const ownAction = e.action === "submit" || e.action === "resubmit"; // its reason is a fixed English phrase
  return h("li", {}, h("span", { class: "when" }, when(e.at)), ` ${label(e.from_status)} → ${label(e.to_status)}`,
    e.reason && !ownAction ? `${t("：", ": ")}${e.reason}` : "",
    Object.keys(e.notes || {}).length
      ? h("ul", {}, Object.entries(e.notes).map(([m, note]) => h("li", {}, `${materialName(m)}${t("：", ": ")}${note}`))) : null);
}

// ------------------------------------------------------------------------------------------- the profile form

const MONTH_EXAMPLE = { YYYYMM: "201507", "YYYY.M": "2015.7", "YYYY-MM": "2015-07", "YYYY年M月": "2015年7月" };
const INPUT = { email: ["email", "email"], phone: ["tel", "numeric"], postcode: ["text", "numeric"], date: ["text", "numeric"] };
const SCHEMES = { pension: ["养老", "pension"], medical: ["医疗", "medical"] };
const KINDS = { normal: ["正常", "normal"], back_payment: ["补缴", "back_payment"] };
const FORMAT_HINTS = {
  phone: ["11 位手机号码", "11-digit mainland mobile number"],
  postcode: ["6 位邮政编码", "6-digit postcode"],
  pinyin: ["汉语拼音，字母间用单个空格，如 LI HUA", "pinyin in Latin letters with single spaces, e.g. LI HUA"],
  resident_id: ["18 位居民身份证号码，末位可为 X，须与出生日期一致", "18 characters, the last may be X; must match the birth date"],
  history: ["每行一段，如：2015.7-2017.3，**街道办事处，科员；到现在的一段写 2017.4至今，单位，职务",
    "one period per line, e.g. 2015.7-2017.3，employer，post; the current one as 2017.4至今，employer，post"],
  social_insurance: ["每行一个月：年月 险种 缴费类型，如 2023-03 养老 正常（险种：养老/医疗；类型：正常/补缴）",
    "one month per line: month scheme kind, e.g. 2023-03 pension normal (pension/medical; normal/back_payment)"],
};
const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);

/** How a field's value is written, as the hint under it. */
function fieldHint(fd, program) {
  const other = (id) => program.profile.find((x) => x.id === id) || { name_zh: id, name_en: id };
  const parts = [];
  if (fd.type === "date") {
    const example = fd.date_format === "YYYYMMDD" ? "19900131" : "1990-01-31";
    parts.push([`格式 ${fd.date_format}，如 ${example}`, `format ${fd.date_format}, e.g. ${example}`]);
  } else if (fd.type === "month") {
    const examples = fd.month_formats.map((f) => MONTH_EXAMPLE[f]).join(" / ");
    parts.push([`格式 ${fd.month_formats.join(" 或 ")}，如 ${examples}`, `format ${fd.month_formats.join(" or ")}, e.g. ${examples}`]);
  } else if (FORMAT_HINTS[fd.type]) parts.push(FORMAT_HINTS[fd.type]);
  if (fd.start_field) {
    const start = other(fd.start_field);
    parts.push([`从“${start.name_zh}”起连续填写，不留空档`, `continuous from the ${start.name_en}, without gaps`]);
  }
  if (fd.same_as) parts.push([`请再次输入“${other(fd.same_as).name_zh}”`, `enter the ${other(fd.same_as).name_en} again`]);
  if (fd.min_length) parts.push([`至少 ${fd.min_length} 个字`, `at least ${fd.min_length} characters`]);
  if (fd.immutable) parts.push(["保存后不可修改", "cannot be changed once saved"]);
  return parts.length ? t(parts.map((p) => p[0]).join("；"), capital(parts.map((p) => p[1]).join("; "))) : "";
}

/** A saved value as the text its input shows. */
function shownValue(fd, saved) {
  if (saved === undefined || saved === null) return "";
  if (fd.type === "boolean") return String(saved);
  if (fd.type === "social_insurance" && Array.isArray(saved)) {
    const word = (table, key) => (table[key] ? t(...table[key]) : key);
    return saved.map((r) => [r.month, word(SCHEMES, r.scheme), word(KINDS, r.kind)].filter(Boolean).join(" ")).join("\n");
  }
  return typeof saved === "string" ? saved : JSON.stringify(saved);
}

/** "2023-03 养老 正常" lines into records; a line that does not read goes as it is, so the server names it. */
function insuranceRecords(text) {
  const word = (table, token) => Object.keys(table).find((k) => k === token || table[k].includes(token));
  return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const [month, scheme, kind] = line.split(/[\s,，]+/);
    const record = { month, scheme: word(SCHEMES, scheme), kind: word(KINDS, kind) };
    return record.scheme && record.kind ? record : { month: line, scheme: "", kind: "" };
  });
}

/** The answers in the form as the API takes them; hidden (not applicable) and empty fields are left out. */
function answers(form, program, includeHidden = false) {
  const out = {};
  for (const fd of program.profile) {
    const el = form.elements.namedItem(fd.id);
    if (!el || (!includeHidden && el.closest(".field").hidden)) continue;
    const raw = fd.type === "history" ? el.value : el.value.trim();
    if (!raw.trim()) continue;
    if (fd.type === "boolean") out[fd.id] = raw === "true";
    else if (fd.type === "social_insurance") out[fd.id] = insuranceRecords(raw);
    else out[fd.id] = raw;
  }
  return out;
}

/**
 * Whether a condition holds for these answers: true, false, or null when it depends on something only the
 * server knows (rules, categories, insurance runs). As on the server, a field not given never satisfies a
 * condition, negated or not, and negation is pushed down to the leaves.
 */
function holds(cond, values, negate = false) {
  if ("field" in cond) {
    const given = values[cond.field];
    if (given === undefined) return false;
    const match = cond.is !== null && cond.is !== undefined ? given === cond.is
      : cond.in ? cond.in.includes(given) : given === cond.eq;
    return match !== negate;
  }
  const inner = cond.not ?? cond.not_;
  if (inner) return holds(inner, values, !negate);
  const children = cond.all || cond.any;
  if (!children) return null;
  const results = children.map((c) => holds(c, values, negate));
  if (Boolean(cond.all) !== negate) return results.includes(false) ? false : results.includes(null) ? null : true;
  return results.includes(true) ? true : results.includes(null) ? null : false;
}

/** Hide the fields that do not apply to the answers so far, and mark the ones now required. */
function updateConditional(form, program) {
  const values = answers(form, program, true);
  for (const fd of program.profile) {
    const box = form.querySelector(`[data-field="${fd.id}"]`);
    box.hidden = Boolean(fd.allowed_when) && holds(fd.allowed_when, values) === false;
    const required = fd.required === true || (typeof fd.required === "object" && holds(fd.required, values) === true);
    box.querySelector(".req").hidden = !required;
    form.elements.namedItem(fd.id).required = required;
  }
}

/** The problems to show per field: invalid ones always, missing ones once the applicant has saved. */
function fieldProblems(v) {
  const problems = new Map();
  const showMissing = state.savedOnce || Object.keys(v.profile || {}).length > 0;
  for (const f of [...v.assessment.invalid_fields, ...(showMissing ? v.assessment.missing_fields : [])]) {
    problems.set(f.field, [...(problems.get(f.field) || []), f]);
  }
  return problems;
}

function profileField(fd, saved, problems, program) {
  const id = `f-${fd.id}`;
  const hint = fieldHint(fd, program);
  const describedBy = [hint && `${id}-hint`, problems && `${id}-error`].filter(Boolean).join(" ") || undefined;
  const attrs = { id, name: fd.id, "aria-describedby": describedBy, "aria-invalid": problems ? "true" : undefined };
  const current = shownValue(fd, saved);
  let control;
  if (fd.type === "choice" || fd.type === "boolean") {
    const options = fd.type === "choice" ? fd.choices.map((c) => [c.value, t(c.zh, c.en)])
      : [["true", t("是", "Yes")], ["false", t("否", "No")]];
    control = h("select", attrs, h("option", { value: "" }, t("请选择", "Choose…")),
      options.map(([v, label]) => h("option", { value: v, selected: v === current }, label)));
  } else if (fd.type === "history" || fd.type === "social_insurance") {
    control = h("textarea", { ...attrs, rows: 5, maxlength: fd.max_length }, current);
  } else {
    const [type, inputmode] = INPUT[fd.type] || ["text", undefined];
    control = h("input", { ...attrs, type, inputmode, maxlength: fd.max_length, value: current,
      autocapitalize: ["pinyin", "resident_id"].includes(fd.type) ? "characters" : undefined,
      autocomplete: { email: "email", phone: "tel-national" }[fd.type] || "off" });
  }
  // The API prefixes each message with the field's name, which the label already shows.
  const strip = (text) => [`${fd.name_zh}：`, `${fd.name_en}: `].reduce((s, p) => (s.startsWith(p) ? s.slice(p.length) : s), text);
  return h("div", { class: "field", dataset: { field: fd.id } },
    h("label", { for: id }, t(fd.name_zh, capital(fd.name_en)), h("span", { class: "req", "aria-hidden": "true" }, "*")),
    hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null,
    control,
    h("div", { class: "field-error", id: `${id}-error`, hidden: !problems },
      (problems || []).map((p) => h("p", {}, strip(t(p.message_zh, p.message_en))))));
}

function profileCard(v, program) {
  if (!program.profile.length) return null;
  const editable = v.status === "draft";
  const problems = fieldProblems(v);
  const form = h("form", { id: "profile-form", novalidate: true, onsubmit: onSaveProfile },
    h("fieldset", { disabled: !editable }, h("legend", { class: "visually-hidden" }, t("报名资料", "Your details")),
      program.profile.map((fd) => profileField(fd, v.profile?.[fd.id], problems.get(fd.id), program))),
    editable ? h("div", { class: "actions sticky-save" }, primary("profile-save", "保存资料", "Save details"),
      h("span", { id: "profile-status", class: "hint", role: "status" })) : null);
  if (!editable) {
    updateConditional(form, program);
    return h("details", { class: "card profile-done" },
      h("summary", { id: "profile-heading" }, t("查看已提交的报名资料", "Your details as submitted")), form);
  }
  form.draft = keepDraft(form, `intake.draft.profile.${v.id}`);
  const stored = form.draft.stored;
  const unsaved = program.profile.some((fd) => fd.id in stored && stored[fd.id] !== shownValue(fd, v.profile?.[fd.id]));
  updateConditional(form, program);
  form.addEventListener("input", (event) => {
    updateConditional(form, program);
    if (event.target.name) setError(event.target, null); // the old message is about the old answer
  });
  return h("section", { class: "card", "aria-labelledby": "profile-heading" },
    h("h2", { id: "profile-heading" }, t("报名资料", "Your details")),
    h("p", { class: "hint" }, t("带 * 的为必填项。可随时保存，未填完也不会丢失。", "Fields marked * are required. Save at any time; unfinished answers are kept.")),
    unsaved ? h("p", { class: "message warn" }, t("本机保留了尚未保存的修改，请检查后点击“保存资料”。",
      "Changes you have not saved yet were kept in this browser; check them and press “Save details”.")) : null,
    form);
}

async function onSaveProfile(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const { view: v, program } = state.current;
  try {
    const saved = await busy($("#profile-save"), api("PUT", `applications/${v.id}/profile`, answers(form, program)));
    form.draft.clear();
    state.savedOnce = true;
    state.current.view = saved;
    show(appView);
    const n = fieldProblems(saved).size;
    const [zh, en] = n ? [`已保存。还有 ${n} 项需要填写或修改，见红色提示。`, `Saved. ${n} field${n > 1 ? "s" : ""} still to fill in or correct (marked in red).`]
      : ["已保存，资料已填写完整。", "Saved; your details are complete."];
    $("#profile-status").textContent = t(zh, en);
    announce(zh, en);
    ($("#profile-form [aria-invalid=true]") || $("#profile-save")).focus();
  } catch (err) {
    complainHere(err);
    $("#profile-status").textContent = t(err.zh, err.en);
    showFieldErrors(err.fields, (name) => document.getElementById(`f-${name.replace(/^(body\.)?(profile\.)?/, "")}`));
  }
}

// ------------------------------------------------------------------------------------------- materials

function specFor(materialId) {
  const { program } = state.current;
  const def = program.materials.find((m) => m.id === materialId);
  return def ? program.file_specs[def.spec] : null;
}

/** Sizes as the server words them: 1 KB = 1024 bytes, exact multiples bare, others cut to 2 decimals. */
function size(n) {
  if (n < 1024) return `${n} B`;
  const [unit, div] = n >= 1048576 ? ["MB", 1048576] : ["KB", 1024];
  return n % div === 0 ? `${n / div} ${unit}` : `${(Math.floor((n * 100) / div) / 100).toFixed(2)} ${unit}`;
}

const ratio = (x) => x.toFixed(3).replace(/\.?0+$/, "");

function specText(spec) {
  const px = spec.exact_pixels || spec.min_pixels;
  const ar = spec.aspect_ratio;
  const parts = [
    [spec.formats.join(" / "), spec.formats.join(" / ")],
    spec.min_bytes > 1 ? [`${size(spec.min_bytes)}–${size(spec.max_bytes)}`, `${size(spec.min_bytes)}–${size(spec.max_bytes)}`]
      : [`不超过 ${size(spec.max_bytes)}`, `at most ${size(spec.max_bytes)}`],
    spec.exact_pixels && [`${px.width}×${px.height} 像素`, `exactly ${px.width}×${px.height} px`],
    spec.min_pixels && [`不小于 ${px.width}×${px.height} 像素`, `at least ${px.width}×${px.height} px`],
    ar && [`宽高比 ${ar.width}:${ar.height}`, `aspect ratio ${ar.width}:${ar.height}`],
    { rgb24: ["24 位 RGB 彩色", "24-bit RGB colour"], colour: ["彩色", "colour"] }[spec.colour],
    { blue: ["蓝色背景", "blue background"], white: ["白色背景", "white background"] }[spec.background],
    spec.min_dpi && [`不低于 ${spec.min_dpi} DPI`, `at least ${spec.min_dpi} DPI`],
  ].filter(Boolean);
  return t(`文件要求：${parts.map((p) => p[0]).join("，")}`, `File: ${parts.map((p) => p[1]).join(", ")}`);
}

const SIGNATURES = [["JPEG", [0xff, 0xd8, 0xff]], ["PNG", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]]];
const MIME = { JPEG: "image/jpeg", PNG: "image/png" };
const EXTENSIONS = { JPEG: ".jpg,.jpeg", PNG: ".png" };

async function pixelSize(file) {
  try {
    const bitmap = await createImageBitmap(file); // applies the EXIF orientation, as the server measures
    const dims = { width: bitmap.width, height: bitmap.height };
    bitmap.close();
    return dims;
  } catch {
    return null;
  }
}

function geometry(width, height, spec, add) {
  const px = `${width}×${height}`;
  const { exact_pixels: exact, min_pixels: min, aspect_ratio: ar } = spec;
  if (exact && (width !== exact.width || height !== exact.height)) {
    add("image.dimensions_mismatch", `照片尺寸为 ${px} 像素，要求宽 ${exact.width} 像素、高 ${exact.height} 像素`,
      `The image is ${px} px; exactly ${exact.width}×${exact.height} px required`);
  }
  if (min && (width < min.width || height < min.height)) {
    add("image.too_small_pixels", `图片尺寸为 ${px} 像素，要求不小于 ${min.width}×${min.height} 像素`,
      `The image is ${px} px; at least ${min.width}×${min.height} px required`);
  }
  const measured = width / height;
  const tolerance = ar?.tolerance ?? 0.01;
  if (ar && Math.abs(measured / (ar.width / ar.height) - 1) > tolerance + 1e-9) {
    const wanted = `${ar.width}:${ar.height}（${ratio(ar.width / ar.height)}）`;
    const pct = +(tolerance * 100).toFixed(2);
    add("image.aspect_ratio", `照片宽高比为 ${ratio(measured)}（${px}），要求 ${wanted}，允许误差 ±${pct}%`,
      `Aspect ratio ${ratio(measured)} (${px}); ${wanted.replace("（", " (").replace("）", ")")} required, within ±${pct}%`);
  }
}

/** What the browser can tell before uploading: the real type, the byte size, pixel size and aspect ratio. */
async function precheck(file, spec) {
  const problems = [];
  const add = (code, zh, en) => problems.push({ code, severity: "error", zh, en });
  const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
  const format = SIGNATURES.find(([, sig]) => sig.every((b, i) => head[i] === b))?.[0];
  const wanted = spec.formats.join(" / ");
  if (file.size === 0) add("file.empty", "文件为空（0 字节）", "The file is empty (0 bytes)");
  else if (!format) {
    add("file.unknown_type", `无法识别“${file.name}”的文件类型，要求 ${wanted} 图片`, `“${file.name}” is not a recognisable image; ${wanted} required`);
  } else if (!spec.formats.includes(format)) {
    add("file.format_not_allowed", `文件实际格式为 ${format}，要求 ${wanted}（仅修改文件后缀无效）`,
      `The file is really ${format}; ${wanted} required (renaming it does not change the format)`);
  }
  if (file.size > 0 && file.size < spec.min_bytes) {
    add("file.too_small", `文件大小为 ${size(file.size)}，小于下限 ${size(spec.min_bytes)}`,
      `The file is ${size(file.size)}, below the minimum of ${size(spec.min_bytes)}`);
  }
  if (file.size > spec.max_bytes) {
    add("file.too_large", `文件大小为 ${size(file.size)}，超过上限 ${size(spec.max_bytes)}`,
      `The file is ${size(file.size)}, over the limit of ${size(spec.max_bytes)}`);
  }
  // Decoding a very large file could stall a phone; its size alone already refuses it.
  const dims = format && file.size < 64 * 1048576 ? await pixelSize(file) : null;
  if (format && dims) geometry(dims.width, dims.height, spec, add);
  else if (format) add("file.corrupt", "无法读取图片，文件可能已损坏", "The image cannot be read; the file may be damaged");
  return { problems, facts: { mime: MIME[format], ...dims } };
}

function materialsCard(v) {
  const shown = v.materials.filter((m) => m.requirement !== "not_applicable");
  const others = v.materials.filter((m) => m.requirement === "not_applicable");
  return h("section", { class: "card", "aria-labelledby": "materials-heading" },
    h("h2", { id: "materials-heading" }, t("上传材料", "Materials")),
    UPLOADABLE.has(v.status) ? h("p", { class: "hint" }, t("选择文件后先在本机检查类型、大小和尺寸，通过后自动上传并由系统检查。",
      "A chosen file is first checked here (type, size, pixels), then uploaded and checked by the system.")) : null,
    shown.map(materialSection),
    others.length ? h("details", { class: "not-needed" },
      h("summary", {}, t(`无需上传的材料（${others.length}）`, `Materials you do not need (${others.length})`)),
      others.map(materialSection)) : null);
}

function materialSection(m) {
  const v = state.current.view;
  const spec = specFor(m.id);
  const note = v.supplement_notes?.[m.id];
  const pending = state.files[m.id];
  const working = ["prechecking", "uploading", "checking"].includes(pending?.phase);
  const shownState = working ? "checking" : m.state;
  const [zh, en, tone] = STATE[shownState] || [m.state, m.state, "muted"];
  const inputId = `file-${m.id}`;
  return h("section", { class: `material${note ? " flagged" : ""}`, id: `m-${m.id}`, tabindex: -1,
    dataset: { material: m.id }, "aria-labelledby": `m-${m.id}-name` },
  h("div", { class: "material-head" }, h("h3", { id: `m-${m.id}-name` }, t(m.name)), h("span", { class: "badges" },
    h("span", { class: `badge ${m.requirement === "required" ? "warn" : "muted"}` }, t(...REQUIREMENT[m.requirement])),
    h("span", { class: `badge ${tone}`, dataset: { state: shownState } }, t(zh, en)))),
  note ? h("p", { class: "supplement-note" }, h("strong", {}, t("审核意见：", "Reviewer: ")), note) : null,
  m.hint?.zh ? h("p", { class: "hint" }, t(m.hint)) : null,
  spec ? h("p", { class: "hint" }, specText(spec)) : null,
  m.requirement_reasons?.length
    ? h("p", { class: "hint" }, t("原因：", "Why: "), m.requirement_reasons.map(reasonText).join(t("；", "; "))) : null,
  latestUpload(m),
  UPLOADABLE.has(v.status) && spec ? h("div", { class: "upload" },
    h("input", { type: "file", id: inputId, class: "file-input", disabled: working,
      accept: spec.formats.map((f) => `${MIME[f]},${EXTENSIONS[f]}`).join(","),
      onchange: (e) => onFileChosen(m.id, e.target.files[0], e.target) }),
    h("label", { for: inputId, class: `button${["missing", "failed"].includes(m.state) ? " primary" : ""}` },
      m.latest ? t("重新选择文件上传", "Choose another file") : t("选择文件上传", "Choose a file to upload"))) : null,
  pending ? pendingUpload(m.id, pending) : null);
}

function findingItem(f) {
  const warning = f.severity === "warning";
  return h("li", { class: `finding${warning ? " warning" : ""}`, dataset: { code: f.code } },
    h("strong", {}, warning ? t("提示（不影响提交）：", "Note (does not block): ") : t("需修改：", "To fix: ")),
    t(f.zh ?? f.message_zh, f.en ?? f.message_en), " ", h("span", { class: "code" }, f.code));
}

function latestUpload(m) {
  const latest = m.latest;
  if (!latest) return null;
  const errorsFirst = [...latest.findings].sort((a, b) => (a.severity === "error" ? 0 : 1) - (b.severity === "error" ? 0 : 1));
  return h("div", { class: "latest" },
    h("p", { class: "hint" }, `${t("最近上传：", "Last upload: ")}${when(latest.uploaded_at)}`,
      latest.size ? ` · ${size(latest.size)}` : "", latest.facts?.width ? ` · ${latest.facts.width}×${latest.facts.height}` : "",
      m.previous_uploads ? t(`（此前 ${m.previous_uploads} 次上传已不计）`, ` (${m.previous_uploads} earlier no longer count)`) : ""),
    errorsFirst.length ? h("ul", { class: "findings" }, errorsFirst.map(findingItem)) : null,
    m.state === "failed" ? h("p", {}, t("请按上面的提示修改后重新上传。", "Fix what is listed above and upload again.")) : null);
}

const PHASES = {
  prechecking: ["正在检查所选文件…", "Checking the chosen file…"],
  invalid: ["所选文件未通过上传前检查，没有上传。请换一个文件。", "The chosen file failed the checks, so it was not uploaded. Choose another file."],
  uploading: ["正在上传…", "Uploading…"],
  checking: ["已上传，正在检查…", "Uploaded; checking…"],
  failed: ["上传失败，文件仍保留，可重试。", "The upload failed; the file is kept, so you can try again."],
  timeout: ["检查仍在进行，请稍后刷新查看结果。", "The check is taking longer; refresh in a moment to see the result."],
};

function pendingUpload(materialId, p) {
  const reload = () => {
    forgetApplication();
    route();
  };
  return h("div", { class: `pending ${p.phase}` },
    h("div", { class: "chosen" },
      p.facts?.width ? h("img", { class: "preview", src: p.preview, alt: t("所选图片预览", "Preview of the chosen image") }) : null,
      h("div", {},
        h("p", { class: "file-name" }, p.file.name, ` · ${size(p.file.size)}`, p.facts?.width ? ` · ${p.facts.width}×${p.facts.height}` : ""),
        h("p", { role: "status", class: "phase" }, t(...PHASES[p.phase])))),
    p.problems?.length ? h("ul", { class: "findings precheck" }, p.problems.map(findingItem)) : null,
    p.error ? h("p", { class: "field-error" }, t(p.error.zh, p.error.en)) : null,
    p.phase === "failed" ? h("button", { type: "button", class: "primary", id: `retry-${materialId}`,
      onclick: () => upload(materialId) }, t("重试上传", "Try the upload again")) : null,
    p.phase === "timeout" ? h("button", { type: "button", onclick: reload }, t("刷新", "Refresh")) : null);
}

/** Draw one material again in place, keeping the keyboard focus where it was. */
function refreshMaterial(materialId) {
  const old = document.querySelector(`[data-material="${materialId}"]`);
  const m = state.current?.view.materials.find((x) => x.id === materialId);
  if (!old || !m) return;
  const focused = old.contains(document.activeElement) ? document.activeElement.id : null;
  const fresh = materialSection(m);
  old.replaceWith(fresh);
  const target = focused && document.getElementById(focused);
  if (focused !== null) (target && !target.disabled ? target : fresh).focus();
}

async function onFileChosen(materialId, file, input) {
  if (!file) return;
  if (state.files[materialId]) URL.revokeObjectURL(state.files[materialId].preview);
  const entry = { file, phase: "prechecking", preview: URL.createObjectURL(file) };
  state.files[materialId] = entry;
  input.value = ""; // so that choosing the same file again still counts as a change
  refreshMaterial(materialId);
  Object.assign(entry, await precheck(file, specFor(materialId)));
  if (state.files[materialId] !== entry) return;
  if (!entry.problems.length) return upload(materialId);
  entry.phase = "invalid";
  refreshMaterial(materialId);
  announce("所选文件未通过检查，没有上传", "The chosen file failed the checks and was not uploaded");
}

async function upload(materialId) {
  const entry = state.files[materialId];
  const appId = state.current.view.id;
  const phase = (name) => {
    entry.phase = name;
    refreshMaterial(materialId);
  };
  entry.error = null;
  phase("uploading");
  try {
    const ticket = await api("POST", `applications/${appId}/materials/${materialId}/upload-url`, { content_type: entry.facts.mime });
    await postToS3(ticket, entry.file);
    phase("checking");
    announce("已上传，正在检查", "Uploaded; checking");
    const finished = await waitForCheck(appId, materialId, ticket.upload_id);
    if (state.current?.view.id !== appId) return;
    if (!finished) return phase("timeout");
    delete state.files[materialId];
    URL.revokeObjectURL(entry.preview);
    refreshMaterial(materialId);
    $("#submit-card")?.replaceWith(submitCard(state.current.view));
    const m = state.current.view.materials.find((x) => x.id === materialId);
    announce(`${m.name.zh}：${STATE[m.state]?.[0] || m.state}`, `${m.name.en}: ${STATE[m.state]?.[1] || m.state}`);
  } catch (err) {
    entry.error = err;
    phase("failed");
    complainHere(err);
  }
}

/** Ask for the application every second until this upload's checks are done (a minute at most). */
async function waitForCheck(appId, materialId, uploadId) {
  for (const until = Date.now() + 60_000; Date.now() < until;) {
    await sleep(1000);
    let fresh;
    try {
      fresh = await api("GET", `applications/${appId}`);
    } catch (err) {
      if (err.code === "network") continue; // a dropped connection mid-check: keep asking
      throw err;
    }
    if (state.current?.view.id !== appId) return false;
    state.current.view = fresh;
    const latest = fresh.materials.find((m) => m.id === materialId)?.latest;
    if (latest?.upload_id === uploadId && !UNFINISHED_UPLOAD.has(latest.state)) return true;
  }
  return false;
}

// ------------------------------------------------------------------------------------------- start

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-focus]");
  if (!link) return;
  event.preventDefault(); // an in-page link must not change the route
  const target = document.getElementById(link.dataset.focus);
  target?.closest("details")?.setAttribute("open", "");
  target?.focus({ preventScroll: true });
  target?.scrollIntoView({ block: "center" });
});
$("#lang-toggle").addEventListener("click", () => setLang(lang() === "zh" ? "en" : "zh", redraw));
$("#signout").addEventListener("click", () => {
  signOut();
  forgetApplication();
  go("#/signin", ["info", "已退出登录", "You are signed out."]);
});
window.addEventListener("hashchange", () => route());
applyStaticText();
route(false);
