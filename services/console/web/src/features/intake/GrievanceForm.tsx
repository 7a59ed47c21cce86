// The operator's form: validated in the browser with the contract's own zod schema, and the
// server's problem+json field errors shown at the same fields.
import { useRef, useState, type FormEvent } from "react";
import { Category, CreateGrievanceRequest, Urgency, type CreateGrievanceResponse } from "@grievance-hub/schema";
import { api } from "../../api";
import { Field } from "../../components/Field";
import { useI18n, type MessageKey } from "../../i18n";
import { CallerHistoryPanel, lookUpCaller, type HistoryState } from "../operator/CallerHistory";
import { defaultRegion, lookupWorthy, regions, withRegion, type RegionCode } from "../operator/phone";

type Errors = Record<string, string>;
const channels = ["phone", "web", "walk_in", "letter", "app"] as const;

/** The field a path of the contract names: "complainant" (missing) is shown at the name. */
function fieldOf(path: string): string {
  const p = path.replace(/^body\./, "");
  if (p === "location.coordinates.lat" || p === "location.coordinates.lon") return p;
  return p === "complainant" ? "complainant.name" : p;
}

function messageFor(code: string, path: string): MessageKey {
  if (code === "invalid_phone") return "error.phone";
  if (path === "location.divisionCode") return "error.division";
  if (path.startsWith("location.coordinates")) return "error.invalid";
  if (code === "too_big") return "error.tooLong";
  if (code === "too_small" || code === "invalid_type" || code === "custom") return "error.required";
  return "error.invalid";
}

export function GrievanceForm() {
  const { t } = useI18n();
  /** A field error found by the server, said in the UI's language when its code is known (else as the server put it). */
  const serverMessage = (e: { field: string; message: string; code?: string }): string => (e.code ? t(messageFor(e.code, fieldOf(e.field))) : e.message);
  const [channel, setChannel] = useState<(typeof channels)[number]>("phone");
  const [anonymous, setAnonymous] = useState(false);
  const [name, setName] = useState("");
  const [phone, setPhone] = useState("");
  const [region, setRegion] = useState<RegionCode>(defaultRegion);
  const [history, setHistory] = useState<HistoryState>();
  const lookup = useRef<{ phone: string; answer: Promise<HistoryState> }>(undefined);
  const [lat, setLat] = useState("");
  const [lon, setLon] = useState("");
  const [category, setCategory] = useState("");
  const [urgency, setUrgency] = useState("");
  const [externalReference, setExternalReference] = useState("");
  const [language, setLanguage] = useState<"zh" | "en">("zh");
  const [consent, setConsent] = useState(true);
  const [divisionCode, setDivisionCode] = useState("");
  const [address, setAddress] = useState("");
  const [description, setDescription] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [receipt, setReceipt] = useState<CreateGrievanceResponse>();
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());

  /** Looks the caller up once per number; the answer stays on screen until the number changes. */
  function checkHistory(full: string): Promise<HistoryState> {
    const last = lookup.current;
    if (last?.phone === full) return last.answer;
    setHistory({ phone: full, state: "loading" });
    const answer = lookUpCaller(full).then((r): HistoryState => {
      const first = r.ok ? undefined : r.problem.errors?.[0];
      const next: HistoryState = r.ok ? { phone: full, state: "done", history: r.value } : { phone: full, state: "failed", detail: first ? serverMessage(first) : r.problem.detail ?? r.problem.title };
      if (next.state === "failed" && lookup.current?.phone === full) lookup.current = undefined;
      setHistory((now) => (now?.phone === full ? next : now));
      return next;
    });
    lookup.current = { phone: full, answer };
    return answer;
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const fullPhone = withRegion(phone, region);
    const coordinates = lat.trim() || lon.trim() ? { lat: lat.trim() === "" ? NaN : Number(lat), lon: lon.trim() === "" ? NaN : Number(lon) } : undefined;
    const hints = category || urgency ? { ...(category ? { category } : {}), ...(urgency ? { urgency } : {}) } : undefined;
    const body = {
      channel,
      ...(anonymous ? { anonymous: true as const, language } : { complainant: { name, phone: fullPhone, language, consentToContact: consent } }),
      location: { divisionCode, ...(address.trim() ? { address } : {}), ...(coordinates ? { coordinates } : {}) },
      description,
      ...(hints ? { hints } : {}),
      ...(externalReference.trim() ? { externalReference } : {}),
    };
    const parsed = CreateGrievanceRequest.safeParse(body);
    if (!parsed.success) {
      const found: Errors = {};
      for (const issue of parsed.error.issues) {
        const field = fieldOf(issue.path.join("."));
        found[field] ??= t(messageFor(issue.code, field));
      }
      setErrors(found);
      setFormError(t("form.invalid"));
      return;
    }
    // A repeat caller is noticed before a new grievance is filed: the first submit with a number
    // whose earlier grievances were not on screen yet shows them and stops.
    if (!anonymous && lookupWorthy(phone)) {
      const seen = history?.phone === fullPhone && history.state === "done";
      const found = await checkHistory(fullPhone);
      if (!seen && found.state === "done" && found.history.grievances.length > 0) {
        setErrors({});
        setFormError(t("form.historyCheck"));
        return;
      }
    }
    setBusy(true);
    setErrors({});
    setFormError(undefined);
    const result = await api.createGrievance(parsed.data, idempotencyKey);
    setBusy(false);
    if (result.ok) {
      setReceipt(result.value);
      return;
    }
    const found: Errors = {};
    for (const error of result.problem.errors ?? []) found[fieldOf(error.field)] ??= serverMessage(error);
    setErrors(found);
    setFormError(result.problem.errors?.length ? t("form.invalid") : t("form.failed", { detail: result.problem.detail ?? result.problem.title }));
  }

  if (receipt) {
    return (
      <section aria-labelledby="receipt-title">
        <h1 id="receipt-title">{t("receipt.title")}</h1>
        <p className="tracking-code" data-testid="tracking-code">{receipt.trackingCode}</p>
        <p>
          <a href={`/track/${receipt.trackingCode}`}>{t("receipt.track")}</a>
        </p>
        <button type="button" onClick={() => { setReceipt(undefined); setDescription(""); setName(""); setPhone(""); setHistory(undefined); lookup.current = undefined; setExternalReference(""); setIdempotencyKey(crypto.randomUUID()); }}>
          {t("receipt.another")}
        </button>
      </section>
    );
  }

  return (
    <form onSubmit={submit} noValidate aria-labelledby="form-title">
      <h1 id="form-title">{t("form.title")}</h1>
      {formError ? <p role="alert" className="field-error">{formError}</p> : null}
      <Field label={t("form.channel")}>
        {(p) => (
          <select {...p} value={channel} onChange={(e) => setChannel(e.target.value as typeof channel)}>
            {channels.map((c) => <option key={c} value={c}>{t(`channel.${c}` as MessageKey)}</option>)}
          </select>
        )}
      </Field>
      <p>
        <input id="anonymous" type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} />{" "}
        <label className="inline" htmlFor="anonymous">{t("form.anonymous")}</label>
      </p>
      {anonymous ? null : (
        <fieldset>
          <Field label={t("form.name")} error={errors["complainant.name"]}>
            {(p) => <input {...p} type="text" value={name} autoComplete="off" onChange={(e) => setName(e.target.value)} />}
          </Field>
          <div className="phone">
            <Field label={t("form.phoneRegion")}>
              {(p) => (
                <select {...p} value={region} onChange={(e) => setRegion(e.target.value as RegionCode)}>
                  {regions.map((r) => <option key={r.code} value={r.code}>{r.label}</option>)}
                </select>
              )}
            </Field>
            <Field label={t("form.phone")} error={errors["complainant.phone"]}>
              {(p) => (
                <input {...p} type="tel" value={phone} autoComplete="off" onChange={(e) => setPhone(e.target.value)}
                  onBlur={() => { if (lookupWorthy(phone)) void checkHistory(withRegion(phone, region)); }} />
              )}
            </Field>
          </div>
          <CallerHistoryPanel history={history?.phone === withRegion(phone, region) ? history : undefined} />
          <p>
            <input id="consent" type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} />{" "}
            <label className="inline" htmlFor="consent">{t("form.consent")}</label>
          </p>
        </fieldset>
      )}
      <Field label={t("form.language")}>
        {(p) => (
          <select {...p} value={language} onChange={(e) => setLanguage(e.target.value as "zh" | "en")}>
            <option value="zh">{t("language.zh")}</option>
            <option value="en">{t("language.en")}</option>
          </select>
        )}
      </Field>
      <Field label={t("form.divisionCode")} error={errors["location.divisionCode"]}>
        {(p) => <input {...p} type="text" inputMode="numeric" value={divisionCode} onChange={(e) => setDivisionCode(e.target.value)} />}
      </Field>
      <Field label={t("form.address")} error={errors["location.address"]}>
        {(p) => <input {...p} type="text" value={address} onChange={(e) => setAddress(e.target.value)} />}
      </Field>
      <fieldset className="coordinates">
        <legend>{t("form.coordinates")}</legend>
        <Field label={t("form.lat")} error={errors["location.coordinates.lat"]}>
          {(p) => <input {...p} type="text" inputMode="decimal" value={lat} onChange={(e) => setLat(e.target.value)} />}
        </Field>
        <Field label={t("form.lon")} error={errors["location.coordinates.lon"]}>
          {(p) => <input {...p} type="text" inputMode="decimal" value={lon} onChange={(e) => setLon(e.target.value)} />}
        </Field>
      </fieldset>
      <Field label={t("form.description")} error={errors["description"]}>
        {(p) => <textarea {...p} value={description} onChange={(e) => setDescription(e.target.value)} />}
      </Field>
      <Field label={t("form.category")} error={errors["hints.category"]}>
        {(p) => (
          <select {...p} value={category} onChange={(e) => setCategory(e.target.value)}>
            <option value="">{t("form.none")}</option>
            {Category.options.map((c) => <option key={c} value={c}>{t(`category.${c}` as MessageKey)}</option>)}
          </select>
        )}
      </Field>
      <Field label={t("form.urgency")} error={errors["hints.urgency"]}>
        {(p) => (
          <select {...p} value={urgency} onChange={(e) => setUrgency(e.target.value)}>
            <option value="">{t("form.none")}</option>
            {Urgency.options.map((u) => <option key={u} value={u}>{t(`urgency.${u}` as MessageKey)}</option>)}
          </select>
        )}
      </Field>
      <Field label={t("form.externalReference")} error={errors["externalReference"]}>
        {(p) => <input {...p} type="text" value={externalReference} onChange={(e) => setExternalReference(e.target.value)} />}
      </Field>
      <button type="submit" disabled={busy}>{busy ? t("form.submitting") : t("form.submit")}</button>
    </form>
  );
}
