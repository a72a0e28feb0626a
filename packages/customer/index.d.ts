/**
 * Co-browse for the customer's page: the page API.
 *
 * The same API is `window.cobrowse` on a page with the snippet
 * (`<script src="https://relay/cobrowse.js" data-cobrowse-url="https://relay" async>`), where
 * the options are `window._cobrowse`, set before the snippet; and what {@link init} returns in
 * an app that bundles this package.
 *
 * @example
 * ```ts
 * import { init } from "@cobrowse/customer";
 * const cobrowse = init({ relayUrl: "https://cobrowse.example.com", ui: false });
 * cobrowse.on("code", (e) => chat.send(`My co-browse code: ${e.code}`));
 * cobrowse.on("writeModeRequested", (e) => (confirm("Let the agent type?") ? e.allow() : e.deny()));
 * shareButton.onclick = async () => {
 *   if (await askTheCustomer()) {
 *     const { code } = await cobrowse.start({ confirmed: true });
 *     codeElement.textContent = code;
 *   }
 * };
 * ```
 * @packageDocumentation
 */

/** Where the session is: none, waiting for its agent (the code is known once created), or
 * an agent sees the page. */
export type Phase = "idle" | "waiting" | "active";

/** What the agent may do: point only, or, after the customer's consent, type and click. */
export type Mode = "pointer" | "write";

/** The session as {@link CobrowseApi.state} tells it. */
export interface CobrowseState {
  state: Phase;
  /** The session's 9-digit code (digits only) while there is a session. */
  code: string | null;
  mode: Mode;
  /** The agent's request for write mode waits for the customer's answer. */
  writeModeRequested: boolean;
}

/**
 * Why a session ended:
 * - `customer_exit`: the customer (the widget's exit, or {@link CobrowseApi.exit});
 * - `agent_exit`: the agent; `api_end`: the agent's desktop, through the relay's REST API;
 * - `inactivity`: no agent joined in time; `disconnect`: the other side went away;
 * - `agent_busy`: the agent had too many sessions; `verification_failed`: the code could not
 *   be verified after the allowed attempts; `shutdown`: the relay stopped;
 * - `declined`: the customer said no at the widget's consent question (no session was made);
 * - `error`: something failed; an `error` event said what.
 */
export type EndReason =
  | "customer_exit"
  | "agent_exit"
  | "api_end"
  | "inactivity"
  | "disconnect"
  | "agent_busy"
  | "verification_failed"
  | "shutdown"
  | "declined"
  | "error";

/** Fields every session event has. */
export interface EventBase {
  /** The state after the event. */
  state: CobrowseState;
}

/** A session was created, or continued on this page of it: the code to give the agent. */
export interface CodeEvent extends EventBase {
  type: "code";
  /** 9 digits, without spaces. */
  code: string;
}

/** An agent joined and proved it has the code: it sees the page from now on. */
export interface AgentJoinedEvent extends EventBase {
  type: "agentJoined";
}

/** The agent's mode changed. */
export interface ModeChangedEvent extends EventBase {
  type: "modeChanged";
  mode: Mode;
}

/**
 * The agent asks for write mode. The built-in widget asks the customer too (when it is on);
 * either answer counts, the first one wins.
 */
export interface WriteModeRequestedEvent extends EventBase {
  type: "writeModeRequested";
  /** The customer agrees: the agent may type and click (throws if already answered). */
  allow(): void;
  /** The customer declines (throws if already answered). */
  deny(): void;
}

/** The page is being left during a session; the session goes on on the next page. */
export interface NavigatingEvent extends EventBase {
  type: "navigating";
}

/** The session is over (or was never started). */
export interface EndedEvent extends EventBase {
  type: "ended";
  reason: EndReason;
  /** What the customer was told (localized, for display). */
  message: string;
}

/** Something failed; co-browse never throws into the page. */
export interface CobrowseError {
  /** What was being done: `session`, `capture`, `connection`, `loader`, `options`, `panic`… */
  context: string;
  message: string;
}

/** Each event's name and what its listeners get. */
export interface CobrowseEvents {
  code: CodeEvent;
  agentJoined: AgentJoinedEvent;
  modeChanged: ModeChangedEvent;
  writeModeRequested: WriteModeRequestedEvent;
  navigating: NavigatingEvent;
  ended: EndedEvent;
  error: CobrowseError;
}

/** The rejection of {@link CobrowseApi.start} when the session ends before it has a code. */
export interface StartError extends Error {
  reason?: EndReason;
}

/** The page API. */
export interface CobrowseApi {
  /**
   * Starts a session (or answers the one underway) and resolves with its code. The consent is
   * the customer's: with the built-in UI on, the widget asks, and the promise resolves once the
   * customer agreed; with `ui: false` the page asks and says so with `{ confirmed: true }`
   * (without it, the promise rejects). Rejects with a {@link StartError} when the customer
   * declines or the session cannot be created.
   */
  start(how?: { confirmed?: boolean }): Promise<{ code: string }>;
  /** Ends the session; an `ended` event with reason `customer_exit` follows. */
  exit(): Promise<void>;
  /** The session now. */
  state(): CobrowseState;
  /**
   * Listens to `type` (a misspelt name throws a `TypeError` listing the known ones). Listeners
   * run after the session's own work; what they throw is logged, not passed on.
   * @returns a function that removes the listener.
   */
  on<K extends keyof CobrowseEvents>(type: K, listener: (event: CobrowseEvents[K]) => void): () => void;
  /** Removes a listener added by {@link CobrowseApi.on}. */
  off<K extends keyof CobrowseEvents>(type: K, listener: (event: CobrowseEvents[K]) => void): void;
}

/** The page's own privacy rules, added to the relay's (see the README's "Privacy"). */
export interface PrivacyOptions {
  /** Elements whose text and values the agent sees as bullets (CSS selectors). */
  mask?: string[];
  /** Elements the agent sees as an empty box of the same size. */
  block?: string[];
  /** Exceptions to `mask` and `privateByDefault`. */
  unmask?: string[];
  /** Elements the agent may not act on, even in write mode. */
  readonly?: string[];
  /** Attribute names whose values are masked (`*` wildcards). */
  maskedAttributes?: string[];
  /** Mask all text and values except where unmasked. Default `false`. */
  privateByDefault?: boolean;
  /** Mask payment card fields. Default `true`. */
  maskCardFields?: boolean;
  /** Mask URL query strings. Default `false`. */
  maskUrlQueries?: boolean;
  /** Keep masked URL paths as they are. Default `false`. */
  keepMaskedUrlPaths?: boolean;
  /** The legend beside the count of hidden fields. Default `Hidden from the agent`. */
  indicatorText?: string;
}

/** The page's options (`window._cobrowse` for the snippet). */
export interface PageOptions {
  /**
   * Shows the built-in widget (the co-browse button, consent, code, status, write-mode
   * question). Default `true`. With `false` the page draws its own through the API; the agent's
   * pointer, the frame of the field the agent fills and masked fields' outlines still show.
   */
  ui?: boolean;
  /** Logs to the browser's console. Default `false`. */
  debug?: boolean;
  privacy?: PrivacyOptions;
  /** Called with every {@link CobrowseError}, as the `error` event is. */
  onError?: (error: CobrowseError) => void;
  /** The customer's language (a BCP 47 tag); default: the page's `lang`, else the browser's. */
  locale?: string;
}

/** {@link init}'s options. */
export interface InitOptions extends PageOptions {
  /** The relay's base URL, e.g. `https://cobrowse.example.com`. */
  relayUrl: string;
  /**
   * Where the customer module's `.wasm` is, when the bundler does not emit it beside the
   * package's code (default: next to it, `new URL("./wasm/master_wasm_bg.wasm", import.meta.url)`).
   */
  wasmUrl?: string | URL;
}

/**
 * Sets co-browse up on this page: fetches the relay's widget settings and draws the co-browse
 * button (none with `ui: false`). The customer module (its chunk and wasm) is loaded only when
 * co-browse starts: the button pressed, {@link CobrowseApi.start}, or a page load within a
 * session of the tab. Returns the API at once; calls that need the module wait for it. Once per
 * page: a second call returns the first API. Throws a `TypeError` for a missing or
 * non-http(s) `relayUrl`.
 */
export function init(options: InitOptions): CobrowseApi;
export default init;

declare global {
  interface Window {
    /** The page API, on a page with the snippet. */
    cobrowse?: CobrowseApi;
    /** The page's options, read by the snippet when it loads. */
    _cobrowse?: PageOptions;
  }
}
