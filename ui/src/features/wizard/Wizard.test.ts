import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { SAMPLE_CONNECTORS, SAMPLE_ENVIRONMENTS } from "../../ipc/fake-backend";
import type { ErrorInfo } from "../../ipc";
import { useFakeBackend } from "../../test/helpers";
import Wizard from "./Wizard.svelte";

const outlook = SAMPLE_CONNECTORS.find((c) => c.id === "outlook365")!;
const onedrive = SAMPLE_CONNECTORS.find((c) => c.id === "onedrive-sharepoint")!;
const teams = SAMPLE_CONNECTORS.find((c) => c.id === "teams")!;

function open(onClose = vi.fn()) {
  render(Wizard, { connector: outlook, environments: SAMPLE_ENVIRONMENTS, onClose });
  return { onClose, user: userEvent.setup() };
}

const heading = () => screen.getByTestId("step-heading");

describe("Wizard", () => {
  it("Teams: refuses a personal account in the core's words before any sign-in, and offers channel messages with the admin-consent link", async () => {
    const backend = useFakeBackend();
    render(Wizard, { connector: teams, environments: SAMPLE_ENVIRONMENTS, onClose: vi.fn() });
    const user = userEvent.setup();
    await user.click(screen.getByTestId("next"));
    await waitFor(() => expect(heading()).toHaveTextContent("How should Patchbay sign in?"));

    await user.click(screen.getByTestId("account-personal"));
    const refused = await screen.findByTestId("personal-refused");
    expect(refused).toHaveTextContent(teams.personal_refused!.title);
    expect(refused).toHaveTextContent("Sign in with a work or school account");
    await user.click(screen.getByTestId("next"));
    expect(heading()).toHaveTextContent("How should Patchbay sign in?");
    expect(backend.calls.some((c) => c.cmd === "start_connect")).toBe(false);

    await user.click(screen.getByTestId("account-work"));
    expect(screen.queryByTestId("personal-refused")).not.toBeInTheDocument();
    const choice = screen.getByTestId("opt-in-read_channel_messages");
    expect(choice).not.toBeChecked();
    expect(choice.closest("label")).toHaveTextContent("Needs an administrator's approval");
    await user.click(choice);
    const note = await screen.findByTestId("admin-consent-needed");
    expect(note).toHaveTextContent("Read channel messages needs an administrator's approval");
    await waitFor(() => expect((screen.getByTestId("admin-consent-link-url") as HTMLInputElement).value).toContain("/adminconsent?client_id="));
    expect(backend.calls.find((c) => c.cmd === "admin_consent_link")?.args["request"]).toMatchObject({ connector_id: "teams", features: ["read_channel_messages"] });

    await user.click(screen.getByTestId("next"));
    await user.click(screen.getByTestId("connect"));
    await waitFor(() => expect(backend.lastRequest).toMatchObject({ connector_id: "teams", features: ["read_channel_messages"] }));
  });

  it("walks environment → built-in app → sign in → result, moving focus to each step heading", async () => {
    const backend = useFakeBackend();
    const { user, onClose } = open();

    expect(screen.getByTestId("wizard")).toHaveAttribute("aria-modal", "true");
    await waitFor(() => expect(heading()).toHaveFocus());
    expect(heading()).toHaveTextContent("Where is your Microsoft 365?");
    expect(screen.getByTestId("env-global")).toBeChecked();
    for (const id of ["usgov", "usgov-dod", "china", "sandbox", "custom"]) {
      expect(screen.getByTestId(`env-${id}`)).toBeInTheDocument();
    }
    await user.click(screen.getByTestId("next"));

    await waitFor(() => expect(heading()).toHaveTextContent("How should Patchbay sign in?"));
    await waitFor(() => expect(heading()).toHaveFocus());
    expect(screen.getByTestId("auth-built_in_app")).toBeChecked();
    expect(await screen.findByTestId("builtin-client-id")).toHaveTextContent("6f0c1c1e-4b7a-4c1e-9a51-2d3f0a9b7c11");
    expect(screen.getByTestId("admin-help")).toHaveTextContent("User consent to apps");
    await user.click(screen.getByTestId("next"));

    expect(heading()).toHaveTextContent("Sign in with Microsoft");
    await user.click(screen.getByTestId("connect"));
    expect(await screen.findByText("Waiting for you to sign in in your browser…")).toBeInTheDocument();
    expect((screen.getByTestId("auth-url") as HTMLInputElement).value).toContain("/oauth2/v2.0/authorize?client_id=");
    expect(screen.getByTestId("copy-link")).toBeInTheDocument();
    expect(backend.lastRequest).toEqual({ connector_id: "outlook365", environment: "global", auth_type: "built_in_app" });

    await backend.complete();
    const result = await screen.findByTestId("result");
    expect(within(result).getByTestId("account-email")).toHaveTextContent("ada@contoso.com");
    expect(within(result).getByText(/16 of 16 requested permissions granted/)).toBeInTheDocument();
    const name = screen.getByTestId("connection-name");
    expect(name).toHaveValue("ada@contoso.com");
    await user.clear(name);
    await user.type(name, "Work mail");
    await user.click(screen.getByTestId("done"));
    await waitFor(() => expect(onClose).toHaveBeenCalledWith(true));
    expect(backend.connections.at(-1)?.name).toBe("Work mail");
  });

  it("a personal account signs in through consumers and asks for no shared-mailbox scope", async () => {
    const backend = useFakeBackend();
    const { user } = open();
    await user.click(screen.getByTestId("next"));
    await waitFor(() => expect(heading()).toHaveTextContent("How should Patchbay sign in?"));
    expect(screen.getByTestId("account-work")).toBeChecked();
    expect(screen.getByTestId("builtin-scope-count")).toHaveTextContent(`${outlook.default_scopes.length} permissions`);
    expect(screen.getByTestId("admin-help")).toBeInTheDocument();
    await user.click(screen.getByTestId("account-personal"));
    // The core's list for personal accounts: the default list without the *.Shared scopes.
    expect(outlook.personal_scopes.length).toBeLessThan(outlook.default_scopes.length);
    expect(outlook.personal_scopes.some((s) => s.toLowerCase().endsWith(".shared"))).toBe(false);
    expect(screen.getByTestId("builtin-scope-count")).toHaveTextContent(
      `${outlook.personal_scopes.length} permissions (listed on the connector card, without the shared-mailbox ones)`,
    );
    await user.click(screen.getByTestId("next"));
    await user.click(screen.getByTestId("connect"));
    expect(await screen.findByText("Waiting for you to sign in in your browser…")).toBeInTheDocument();
    expect(backend.lastRequest).toEqual({
      connector_id: "outlook365",
      environment: "global",
      auth_type: "built_in_app",
      tenant: "consumers",
    });
  });

  it("reveals authority and Graph URL for Advanced and validates them inline", async () => {
    useFakeBackend();
    const { user } = open();
    expect(screen.queryByLabelText("Authority URL")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("env-custom"));
    await user.type(screen.getByLabelText("Authority URL"), "http://idp.example.com");
    await user.click(screen.getByTestId("next"));
    expect(heading()).toHaveTextContent("Where is your Microsoft 365?");
    expect(screen.getByText(/must start with https/)).toBeInTheDocument();
    expect(screen.getByText("Enter the Graph base URL.")).toBeInTheDocument();
  });

  it("bring your own app: validates the client ID, shows the redirect URI and the live minimal scope list", async () => {
    const backend = useFakeBackend();
    const { user } = open();
    await user.click(screen.getByTestId("next"));
    await user.click(screen.getByTestId("auth-bring_your_own_app"));
    expect(screen.getByLabelText(/Client secret/)).toHaveAttribute("type", "password");
    expect(screen.getByLabelText("Tenant")).toHaveValue("organizations");
    expect(await screen.findByTestId("redirect-uri")).toHaveValue("http://localhost");
    expect(screen.getByTestId("redirect-platform")).toHaveTextContent("Mobile and desktop applications");

    const preview = screen.getByTestId("scope-preview");
    expect(preview).toHaveTextContent("Patchbay will ask for 8 permissions");
    expect(preview).not.toHaveTextContent("Mail.Send");
    await user.click(screen.getByTestId("feature-send_mail"));
    expect(preview).toHaveTextContent("Patchbay will ask for 10 permissions");
    expect(preview).toHaveTextContent("Mail.Send");

    await user.type(screen.getByLabelText("Application (client) ID"), "my app{Enter}");
    expect(heading()).toHaveTextContent("How should Patchbay sign in?");
    expect(screen.getByText(/A client ID looks like/)).toBeInTheDocument();
    expect(screen.getByLabelText("Application (client) ID")).toHaveFocus();

    await user.type(screen.getByLabelText(/Client secret/), "s3cret");
    await waitFor(() => expect(screen.getByTestId("redirect-platform")).toHaveTextContent("Web"));
    expect(backend.calls.filter((c) => c.cmd === "redirect_advice").at(-1)?.args).toEqual({
      redirectUri: null,
      confidential: true,
    });

    const idField = screen.getByLabelText("Application (client) ID");
    await user.clear(idField);
    await user.type(idField, "11111111-2222-3333-4444-555555555555{Enter}");
    expect(heading()).toHaveTextContent("Sign in with Microsoft");
    await user.click(screen.getByTestId("connect"));
    await screen.findByTestId("auth-url");
    expect(backend.lastRequest).toMatchObject({
      auth_type: "bring_your_own_app",
      client_id: "11111111-2222-3333-4444-555555555555",
      client_secret: "s3cret",
      tenant: "organizations",
      features: ["read_mail", "send_mail", "read_calendar", "mailbox_settings"],
    });
  });

  it("renders a failure with its action and details; Try again keeps what was typed but the secret", async () => {
    const backend = useFakeBackend();
    const { user } = open();
    await user.click(screen.getByTestId("next"));
    await user.click(screen.getByTestId("auth-bring_your_own_app"));
    await user.type(screen.getByLabelText("Application (client) ID"), "11111111-2222-3333-4444-555555555555");
    await user.type(screen.getByLabelText(/Client secret/), "s3cret");
    await user.click(screen.getByTestId("next"));
    await user.click(screen.getByTestId("connect"));
    await screen.findByTestId("auth-url");

    const error: ErrorInfo = {
      code: "redirect_uri_mismatch",
      title: "Your app registration does not accept Patchbay's redirect URI.",
      message: "Add the URI below under Web, then try again.",
      action: { label: "Redirect URI to register", url: "http://localhost" },
      detail: "AADSTS50011: The redirect URI specified in the request does not match.",
    };
    backend.fail(error);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveAttribute("data-testid", "error");
    expect(alert).toHaveTextContent(error.title);
    expect(alert).toHaveTextContent(error.message);
    expect(within(alert).getByLabelText("Redirect URI to register")).toHaveValue("http://localhost");
    expect(within(alert).getByRole("button", { name: /Copy: Redirect URI/ })).toBeInTheDocument();
    expect(within(alert).queryByRole("button", { name: "Open in browser" })).not.toBeInTheDocument();
    expect(within(alert).getByText("Details")).toBeInTheDocument();
    expect(alert).toHaveTextContent("AADSTS50011");
    expect(alert).not.toHaveTextContent("invalid_grant");

    // The secret left the window with the request: it is not kept in the webview.
    await user.click(within(alert).getByRole("button", { name: "Change app settings" }));
    expect(screen.getByLabelText("Application (client) ID")).toHaveValue("11111111-2222-3333-4444-555555555555");
    expect(screen.getByLabelText(/Client secret/)).toHaveValue("");
    expect(screen.getByTestId("client-secret-again")).toHaveTextContent("Type the client secret again");
    await user.type(screen.getByLabelText(/Client secret/), "s3cret2");
    await user.click(screen.getByTestId("next"));
    expect(screen.getByRole("alert")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Try again" }));
    await screen.findByTestId("auth-url");
    expect(backend.calls.filter((c) => c.cmd === "start_connect")).toHaveLength(2);
    expect(backend.lastRequest?.client_secret).toBe("s3cret2");
    expect(screen.queryByDisplayValue("s3cret2")).not.toBeInTheDocument();
  });

  it("asks for the secret again rather than trying again without it", async () => {
    const backend = useFakeBackend();
    const { user } = open();
    await user.click(screen.getByTestId("next"));
    await user.click(screen.getByTestId("auth-bring_your_own_app"));
    await user.type(screen.getByLabelText("Application (client) ID"), "11111111-2222-3333-4444-555555555555");
    await user.type(screen.getByLabelText(/Client secret/), "s3cret");
    await user.click(screen.getByTestId("next"));
    await user.click(screen.getByTestId("connect"));
    await screen.findByTestId("auth-url");
    backend.fail({ code: "network_unreachable", title: "Offline.", message: "Check the network." });
    const alert = await screen.findByRole("alert");
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    // Back on the app step, asked for the secret; nothing was sent without it.
    expect(screen.getByTestId("client-secret-again")).toBeInTheDocument();
    expect(backend.calls.filter((c) => c.cmd === "start_connect")).toHaveLength(1);
  });

  it("asks when a client secret expires, and sends it with the secret only", async () => {
    const backend = useFakeBackend();
    const { user } = open();
    await user.click(screen.getByTestId("next"));
    await user.click(screen.getByTestId("auth-bring_your_own_app"));
    await user.type(screen.getByLabelText("Application (client) ID"), "11111111-2222-3333-4444-555555555555");
    expect(screen.queryByTestId("client-secret-expires")).not.toBeInTheDocument();
    await user.type(screen.getByLabelText(/Client secret/), "s3cret");
    const expires = screen.getByLabelText(/The secret expires on/);
    expect(screen.getByText(/reminds you 14 days before/)).toBeInTheDocument();
    await user.type(expires, "2027-05-31");
    await user.click(screen.getByTestId("next"));
    await user.click(screen.getByTestId("connect"));
    await screen.findByTestId("auth-url");
    expect(backend.lastRequest).toMatchObject({ client_secret: "s3cret", client_secret_expires_on: "2027-05-31" });
  });

  it("offers Open in browser for an https action (admin consent link)", async () => {
    const backend = useFakeBackend({ scenario: "admin_consent" });
    const { user } = open();
    await user.click(screen.getByTestId("next"));
    await user.click(screen.getByTestId("next"));
    await user.click(screen.getByTestId("connect"));
    await screen.findByTestId("auth-url");
    await backend.complete();
    const alert = await screen.findByTestId("error");
    expect(alert).toHaveAttribute("data-code", "admin_consent_required");
    await user.click(within(alert).getByRole("button", { name: "Open in browser" }));
    expect(backend.calls.at(-1)).toEqual({
      cmd: "open_url",
      args: { url: expect.stringContaining("/adminconsent?client_id=") },
    });
  });

  it("cancels a waiting sign-in without showing an error, and says when the browser did not open", async () => {
    const backend = useFakeBackend({ scenario: "not_opened" });
    const { user } = open();
    await user.click(screen.getByTestId("next"));
    await user.click(screen.getByTestId("next"));
    await user.click(screen.getByTestId("connect"));
    expect(await screen.findByTestId("not-opened")).toHaveTextContent("could not open your browser");
    await user.click(screen.getByTestId("cancel"));
    expect(await screen.findByText(/Sign-in cancelled/)).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    expect(backend.calls.find((c) => c.cmd === "cancel_connect")?.args).toEqual({ flowId: "flow-1" });
    expect(screen.getByTestId("connect")).toBeInTheDocument();
  });

  it("explains an error pasted from Microsoft's page, and refuses text without a code", async () => {
    const backend = useFakeBackend();
    const { user } = open();
    await user.click(screen.getByTestId("next"));
    await user.click(screen.getByTestId("next"));
    await user.click(screen.getByTestId("connect"));
    await screen.findByTestId("auth-url");
    await user.click(within(screen.getByTestId("page-error")).getByText("The browser shows an error instead?"));
    const text = screen.getByLabelText("Error shown in the browser");

    await user.click(screen.getByTestId("page-error-explain"));
    expect(screen.getByTestId("page-error-problem")).toHaveTextContent("Paste the error");
    expect(text).toHaveAttribute("aria-invalid", "true");

    await user.type(text, "Something went wrong");
    await user.click(screen.getByTestId("page-error-explain"));
    expect(await screen.findByText(/no Microsoft error code/)).toBeInTheDocument();
    expect(screen.getByTestId("auth-url")).toBeInTheDocument(); // still waiting

    await user.clear(text);
    await user.type(text, "AADSTS50011: The redirect URI 'http://localhost:1234' does not match.");
    await user.click(screen.getByTestId("page-error-explain"));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveAttribute("data-code", "redirect_uri_mismatch");
    expect(alert).toHaveTextContent("Redirect URI to register");
    expect(backend.calls.find((c) => c.cmd === "report_sign_in_page_error")?.args).toEqual({
      flowId: "flow-1",
      text: "Something went wrong",
    });
  });

  it("closes on Escape and cancels a sign-in in progress", async () => {
    const backend = useFakeBackend();
    const { user, onClose } = open();
    await user.click(screen.getByTestId("env-global"));
    await user.keyboard("{Enter}"); // Enter submits the step
    await waitFor(() => expect(heading()).toHaveTextContent("How should Patchbay sign in?"));
    await user.click(screen.getByTestId("next"));
    await user.click(screen.getByTestId("connect"));
    await screen.findByTestId("auth-url");
    await user.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalledWith(false);
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "cancel_connect")).toBe(true));
  });

  it("Back returns to the previous step with choices kept", async () => {
    useFakeBackend();
    const { user } = open();
    await user.click(screen.getByTestId("env-sandbox"));
    await user.click(screen.getByTestId("next"));
    await user.click(screen.getByTestId("back"));
    expect(heading()).toHaveTextContent("Where is your Microsoft 365?");
    expect(screen.getByTestId("env-sandbox")).toBeChecked();
  });

  it("OneDrive & SharePoint: its features to pick, no SharePoint for a personal account, no administrator for .All", async () => {
    const backend = useFakeBackend();
    render(Wizard, { connector: onedrive, environments: SAMPLE_ENVIRONMENTS, onClose: vi.fn() });
    const user = userEvent.setup();
    await user.click(screen.getByTestId("next"));
    await waitFor(() => expect(heading()).toHaveTextContent("How should Patchbay sign in?"));
    expect(screen.getByTestId("builtin-scope-count")).toHaveTextContent(`${onedrive.default_scopes.length} permissions`);
    await user.click(screen.getByTestId("account-personal"));
    expect(screen.getByText(/Outlook\.com, Hotmail or Live\. These have no SharePoint sites\./)).toBeInTheDocument();
    expect(screen.getByTestId("builtin-scope-count")).toHaveTextContent(
      `${onedrive.personal_scopes.length} permissions (listed on the connector card, without the SharePoint ones)`,
    );

    await user.click(screen.getByTestId("auth-bring_your_own_app"));
    const features = screen.getAllByRole("checkbox").map((box) => box.closest("label")?.querySelector(".feature-label")?.textContent);
    expect(features).toEqual(["Read files", "Write files", "Files shared with me", "SharePoint sites"]);
    expect(screen.getByTestId("feature-read_files")).toBeChecked();
    await user.click(screen.getByTestId("feature-sites"));
    const scopes = within(screen.getByTestId("scope-preview")).getAllByRole("listitem");
    const sites = scopes.find((li) => li.textContent === "Sites.Read.All");
    expect(sites).toHaveAttribute("title", expect.stringContaining("no administrator approval needed"));
    expect(backend.calls.some((c) => c.cmd === "start_connect")).toBe(false);
  });
});
