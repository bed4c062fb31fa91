// Shared by the applicant site and the staff console: language, sign-in with Cognito, calls to the API,
// messages, and a small element builder. Plain ES modules; no build step.

// ------------------------------------------------------------------------------------------- language

const LANG_KEY = "intake.lang";

export function lang() {
  return localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh";
}

/** Text in the current language: t("中文", "English"), or t({zh, en}) for the API's localized texts. */
export function t(zh, en) {
  if (zh && typeof zh === "object") return lang() === "en" ? zh.en : zh.zh;
  return lang() === "en" ? en : zh;
}

/** Switch language, keep it for the next visit, and let the page draw itself again. */
export function setLang(value, redraw) {
  localStorage.setItem(LANG_KEY, value);
  document.documentElement.lang = value === "en" ? "en" : "zh-CN";
  applyStaticText();
  if (redraw) redraw();
}

/** Elements written in the HTML with data-zh / data-en (and data-zh-placeholder …) follow the language. */
export function applyStaticText(root = document) {
  document.documentElement.lang = lang() === "en" ? "en" : "zh-CN";
  for (const el of root.querySelectorAll("[data-zh]")) el.textContent = t(el.dataset.zh, el.dataset.en);
  for (const el of root.querySelectorAll("[data-zh-label]")) {
    el.setAttribute("aria-label", t(el.dataset.zhLabel, el.dataset.enLabel));
  }
  for (const el of root.querySelectorAll("[data-zh-placeholder]")) {
    el.placeholder = t(el.dataset.zhPlaceholder, el.dataset.enPlaceholder);
  }
}

// ------------------------------------------------------------------------------------------- vocabulary

/** Application statuses (PG-REV-1): Chinese, English (as the API's status_label) and the badge tone; in the
 * order a reviewer works through them. */
export const STATUS = {
  pending_review: ["待审核", "pending review", "warn"],
  supplement_required: ["需补充材料", "materials to supplement", "warn"],
  approved: ["审核通过", "approved", "ok"],
  rejected: ["审核未通过", "failed review", "bad"],
  draft: ["草稿", "draft", "muted"],
  expired: ["已过期", "expired", "muted"],
  abandoned: ["视为放弃", "abandoned", "muted"],
};

// ------------------------------------------------------------------------------------------- elements

/** h("button", {class: "primary", onclick}, "text", child…): attributes starting with "on" are listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const SVG = "http://www.w3.org/2000/svg";

/** The same for SVG elements (drawing measurements over a photo). */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) if (child) el.append(child);
  return el;
}

/** A date-time as Beijing time, e.g. 2023-11-04 14:00. */
export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const parts = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hour12: false,
  }).formatToParts(d);
  const get = (type) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}`;
}

export function bytes(n) {
  if (n == null) return "";
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(n / 1024))} KB`;
}

// ------------------------------------------------------------------------------------------- messages

/**
 * Show a message in the page's message area (role=alert for errors, status otherwise). `error` is an
 * ApiError, an Error or a string pair. Returns the element so a caller can remove it.
 */
export function say(kind, zhOrError, en) {
  const area = document.getElementById("messages");
  let zh = zhOrError;
  let extra = [];
  if (zhOrError instanceof ApiError) {
    zh = zhOrError.zh;
    en = zhOrError.en;
    extra = zhOrError.fields.map((f) => `${f.field}: ${t(f.message_zh, f.message_en)}`);
  } else if (zhOrError instanceof Error) {
    zh = zhOrError.message;
    en = zhOrError.message;
  }
  const box = h("div", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" },
    h("span", {}, t(zh, en)),
    extra.length ? h("ul", {}, extra.map((line) => h("li", {}, line))) : null,
    h("button", { class: "close", type: "button", "aria-label": t("关闭", "Dismiss"),
      onclick: () => box.remove() }, "×"));
  if (area) {
    area.replaceChildren(box);
    if (kind === "error") area.scrollIntoView({ block: "nearest" });
  }
  return box;
}

export function clearMessages() {
  document.getElementById("messages")?.replaceChildren();
}

// ------------------------------------------------------------------------------------------- config

let configPromise;

/** The page's settings from /config.json: region, user pool, client, Cognito endpoint, local or not. */
export function config() {
  configPromise ??= fetch(new URL("config.json", apiBase()))
    .catch((err) => { throw networkError(err); })
    .then(async (r) => {
      if (!r.ok) throw await errorFrom(r);
      return r.json();
    })
    .catch((err) => {
      configPromise = undefined; // ask again next time rather than keep the failure
      throw err;
    });
  return configPromise;
}

/** Where the API is: the folder this page was served from (the stage path when deployed). */
export function apiBase() {
  return new URL(".", location.href);
}

// ------------------------------------------------------------------------------------------- errors

/** A failed call, with the API's bilingual message and the offending fields. */
export class ApiError extends Error {
  constructor({ status = 0, code = "network", zh, en, fields = [], details = {} }) {
    super(en);
    this.status = status;
    this.code = code;
    this.zh = zh;
    this.en = en;
    this.fields = fields;
    this.details = details;
  }
}

function networkError(err) {
  return new ApiError({
    code: "network",
    zh: "网络连接失败，请检查网络后重试（已填写的内容不会丢失）",
    en: "Could not reach the server. Check your connection and try again (nothing you typed is lost).",
    details: { cause: String(err) },
  });
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    /* not JSON: a gateway page */
  }
  const e = body?.error;
  if (e) {
    return new ApiError({ status: response.status, code: e.code, zh: e.message_zh, en: e.message_en,
      fields: e.fields || [], details: e.details || {} });
  }
  if (response.status === 401) {
    return new ApiError({ status: 401, code: "auth.required", zh: "登录已过期，请重新登录",
      en: "Your sign-in has expired; please sign in again." });
  }
  return new ApiError({ status: response.status, code: "server",
    zh: `服务器暂时无法处理（HTTP ${response.status}），请稍后重试`,
    en: `The server could not answer (HTTP ${response.status}); please try again shortly.` });
}

// ------------------------------------------------------------------------------------------- Cognito

const SESSION_KEY = "intake.session";

async function cognito(action, body) {
  const { cognito_endpoint: endpoint } = await config();
  let response;
  try {
    response = await fetch(endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
      },
      body: JSON.stringify(body),
    });
  } catch (err) {
    throw networkError(err);
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw cognitoError(data);
  return data;
}

const COGNITO_MESSAGES = {
  NotAuthorizedException: ["邮箱或密码不正确", "Wrong e-mail address or password."],
  UserNotFoundException: ["邮箱或密码不正确", "Wrong e-mail address or password."],
  UserNotConfirmedException: ["账号尚未激活，请输入邮件中的验证码", "The account is not confirmed yet: enter the code from the e-mail."],
  UsernameExistsException: ["该邮箱已注册，请直接登录", "This e-mail address is already registered; sign in instead."],
  InvalidPasswordException: ["密码至少 8 位，须包含数字", "The password needs at least 8 characters, including a digit."],
  CodeMismatchException: ["验证码不正确", "The code is not right."],
  ExpiredCodeException: ["验证码已过期（24 小时内有效），请重新获取", "The code has expired (valid for 24 hours); ask for a new one."],
  LimitExceededException: ["尝试次数过多，请稍后再试", "Too many attempts; try again later."],
  TooManyRequestsException: ["尝试次数过多，请稍后再试", "Too many attempts; try again later."],
  InvalidParameterException: ["填写的内容不符合要求", "Some of what you entered is not valid."],
};

function cognitoError(data) {
  const type = String(data.__type || "").split("#").pop();
  const [zh, en] = COGNITO_MESSAGES[type] || ["登录服务出错，请稍后重试", `Sign-in failed: ${data.message || type}`];
  return new ApiError({ status: 400, code: `cognito.${type || "error"}`, zh, en, details: { message: data.message } });
}

function claimsOf(idToken) {
  const payload = idToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const json = decodeURIComponent(Array.from(atob(payload), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join(""));
  return JSON.parse(json);
}

function keep(result, email) {
  const claims = claimsOf(result.IdToken);
  const session = {
    idToken: result.IdToken,
    refreshToken: result.RefreshToken,
    email,
    expires: claims.exp * 1000,
    groups: String(claims["cognito:groups"] || "").split(/[,\s]+/).filter(Boolean),
    sub: claims.sub,
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  } catch {
    return null;
  }
}

export function isStaff(current = session()) {
  return Boolean(current && current.groups.some((g) => g === "reviewers" || g === "admins"));
}

export async function signIn(email, password) {
  const { client_id: ClientId } = await config();
  const data = await cognito("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH", ClientId, AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  if (!data.AuthenticationResult) {
    throw new ApiError({ code: "cognito.challenge", zh: `需要先完成账号设置（${data.ChallengeName}）`,
      en: `The account needs a step first (${data.ChallengeName}).` });
  }
  return keep(data.AuthenticationResult, email);
}

export async function signUp(email, password, name, phone) {
  const { client_id: ClientId } = await config();
  const attributes = [{ Name: "email", Value: email }];
  if (name) attributes.push({ Name: "name", Value: name });
  if (phone) attributes.push({ Name: "phone_number", Value: phone.startsWith("+") ? phone : `+86${phone}` });
  return cognito("SignUp", { ClientId, Username: email, Password: password, UserAttributes: attributes });
}

export async function confirmSignUp(email, code) {
  const { client_id: ClientId } = await config();
  return cognito("ConfirmSignUp", { ClientId, Username: email, ConfirmationCode: code });
}

export async function resendCode(email) {
  const { client_id: ClientId } = await config();
  return cognito("ResendConfirmationCode", { ClientId, Username: email });
}

export function signOut() {
  sessionStorage.removeItem(SESSION_KEY);
}

async function freshToken() {
  const current = session();
  if (!current) return null;
  if (Date.now() < current.expires - 60_000) return current.idToken;
  if (!current.refreshToken) return null;
  try {
    const { client_id: ClientId } = await config();
    const data = await cognito("InitiateAuth", {
      AuthFlow: "REFRESH_TOKEN_AUTH", ClientId, AuthParameters: { REFRESH_TOKEN: current.refreshToken },
    });
    const renewed = keep({ RefreshToken: current.refreshToken, ...data.AuthenticationResult }, current.email);
    return renewed.idToken;
  } catch {
    signOut();
    return null;
  }
}

// ------------------------------------------------------------------------------------------- the API

/**
 * Call the API: api("GET", "applications/ID") or api("POST", "applications", body). Resolves to the JSON
 * body; rejects with an ApiError that carries the bilingual message (network failures included).
 */
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  const token = await freshToken();
  if (token) headers.Authorization = token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(new URL(path, apiBase()), {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw networkError(err);
  }
  if (!response.ok) throw await errorFrom(response);
  return response.status === 204 ? null : response.json();
}

/** POST a file to S3 with the presigned fields of an upload ticket. */
export async function postToS3(ticket, file) {
  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
  form.append("file", file);
  let response;
  try {
    response = await fetch(ticket.url, { method: "POST", body: form });
  } catch (err) {
    throw networkError(err);
  }
  if (!response.ok) {
    const text = await response.text().catch(() => "");
    const code = (/<Code>([^<]+)<\/Code>/.exec(text) || [])[1] || `HTTP ${response.status}`;
    throw new ApiError({ status: response.status, code: `s3.${code}`,
      zh: `文件上传失败（${code}），请重试`, en: `The upload failed (${code}); please try again.` });
  }
}

// ------------------------------------------------------------------------------------------- drafts

/** Keep what is typed in a form in this browser until it is saved, so a failed request loses nothing. */
export function keepDraft(form, key) {
  const stored = JSON.parse(localStorage.getItem(key) || "{}");
  for (const [name, value] of Object.entries(stored)) {
    const field = form.elements.namedItem(name);
    if (field && "value" in field) field.value = value;
  }
  form.addEventListener("input", () => {
    const data = {};
    for (const field of form.elements) if (field.name) data[field.name] = field.value;
    localStorage.setItem(key, JSON.stringify(data));
  });
  return { clear: () => localStorage.removeItem(key), stored };
}
