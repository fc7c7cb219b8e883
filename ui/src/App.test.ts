import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import App from "./App.svelte";
import { sampleConnection } from "./ipc/fake-backend";
import { useFakeBackend } from "./test/helpers";

describe("App", () => {
  it("shows the catalogue and connections, and adds a connection end to end", async () => {
    const backend = useFakeBackend({ scenario: "empty" });
    render(App);
    const user = userEvent.setup();
    expect(await screen.findByRole("heading", { name: "Patchbay", level: 1 })).toBeInTheDocument();
    expect(await screen.findByTestId("connections-list")).toHaveTextContent("No connections yet.");

    const add = screen.getByTestId("add-connection-outlook365");
    await user.click(add);
    const wizard = await screen.findByTestId("wizard");
    await user.click(within(wizard).getByTestId("next"));
    await user.click(within(wizard).getByTestId("next"));
    await user.click(within(wizard).getByTestId("connect"));
    await screen.findByTestId("auth-url");
    await backend.complete();
    await screen.findByTestId("result");
    await user.click(screen.getByTestId("done"));

    await waitFor(() => expect(screen.queryByTestId("wizard")).not.toBeInTheDocument());
    const list = await screen.findByTestId("connections-list");
    await waitFor(() => expect(within(list).getByText("ada@contoso.com", { selector: "h3" })).toBeInTheDocument());
    expect(add).toHaveFocus();
  });

  it("names this build's version and commit at the foot of the window", async () => {
    useFakeBackend();
    render(App);
    expect(await screen.findByTestId("about")).toHaveTextContent("Patchbay 0.1.0 (commit 0123456789) · debug build");
  });

  it("reloads the list when the backend says connections changed", async () => {
    const backend = useFakeBackend();
    render(App);
    await screen.findByTestId("connection-conn-1");
    backend.connections = [];
    await backend.emitChanged();
    await waitFor(() => expect(screen.queryByTestId("connection-conn-1")).not.toBeInTheDocument());
  });

  it("updates a connection in place when its status changes, without reloading the list", async () => {
    const backend = useFakeBackend();
    render(App);
    const item = await screen.findByTestId("connection-conn-1");
    expect(within(item).getByText("Healthy")).toBeInTheDocument();
    const calls = backend.calls.filter((c) => c.cmd === "list_connections").length;
    await backend.setStatus("conn-1", "needs_reconnect", "Microsoft revoked this connection's sign-in.");
    await waitFor(() => expect(within(item).getByText("Needs reconnect")).toBeInTheDocument());
    expect(within(item).getByTestId("status-reason")).toHaveTextContent("revoked");
    expect(backend.calls.filter((c) => c.cmd === "list_connections").length).toBe(calls);
  });

  it("fixes a broken connection by signing in again as the same account", async () => {
    const backend = useFakeBackend({ scenario: "repair" });
    render(App);
    const user = userEvent.setup();
    await user.click(await screen.findByTestId("fix-conn-2"));
    const dialog = await screen.findByTestId("fix-dialog");
    expect(within(dialog).getByTestId("fix-account")).toHaveTextContent("grace@fabrikam.onmicrosoft.com");
    await user.click(within(dialog).getByTestId("fix-sign-in"));
    const link = (await within(dialog).findByTestId("auth-url")) as HTMLInputElement;
    expect(link.value).toContain("login_hint=grace%40fabrikam.onmicrosoft.com");
    await backend.complete();
    expect(await within(dialog).findByTestId("fix-done")).toHaveTextContent("works again");
    await user.click(within(dialog).getByTestId("fix-close"));
    await waitFor(() => expect(screen.queryByTestId("fix-dialog")).not.toBeInTheDocument());
    const item = screen.getByTestId("connection-conn-2");
    await waitFor(() => expect(within(item).getByText("Healthy")).toBeInTheDocument());
  });

  it("opens a connection's Fix when the tray or a notification asks for it", async () => {
    const backend = useFakeBackend({ scenario: "repair" });
    render(App);
    await screen.findByTestId("connection-conn-2");
    await backend.openFix("conn-2");
    const dialog = await screen.findByTestId("fix-dialog");
    expect(within(dialog).getByTestId("fix-account")).toHaveTextContent("grace@fabrikam.onmicrosoft.com");
  });

  it("refuses a fix that signed in as someone else and offers a new connection instead", async () => {
    const backend = useFakeBackend({ scenario: "repair" });
    backend.fixAccountEmail = "mallory@fabrikam.onmicrosoft.com";
    render(App);
    const user = userEvent.setup();
    await user.click(await screen.findByTestId("fix-conn-2"));
    const dialog = await screen.findByTestId("fix-dialog");
    await user.click(within(dialog).getByTestId("fix-sign-in"));
    await within(dialog).findByTestId("auth-url");
    await backend.complete();
    const alert = await within(dialog).findByRole("alert");
    expect(alert).toHaveTextContent("You signed in as mallory@fabrikam.onmicrosoft.com");
    expect(backend.connections.find((c) => c.id === "conn-2")?.status).toBe("needs_reconnect");
    await user.click(within(dialog).getByTestId("fix-add-new"));
    expect(await screen.findByTestId("wizard")).toBeInTheDocument();
  });

  it("replaces an expired client secret without a new sign-in", async () => {
    const backend = useFakeBackend({
      connections: [
        sampleConnection({
          auth_type: "bring_your_own_app",
          has_client_secret: true,
          status: "app_credentials_invalid",
          status_reason: "The app's client secret has expired.",
        }),
      ],
    });
    render(App);
    const user = userEvent.setup();
    await user.click(await screen.findByTestId("update-secret-conn-1"));
    const dialog = await screen.findByTestId("secret-dialog");
    await user.click(within(dialog).getByTestId("secret-save"));
    expect(within(dialog).getByRole("alert")).toHaveTextContent("Paste the new secret");
    await user.type(within(dialog).getByTestId("new-secret"), "new-value");
    await user.click(within(dialog).getByTestId("secret-save"));
    expect(await within(dialog).findByTestId("secret-updated")).toHaveTextContent("healthy");
    const call = backend.calls.find((c) => c.cmd === "update_client_secret");
    expect(call?.args).toEqual({ id: "conn-1", secret: "new-value", expiresOn: null });
  });

  it("previews a connection in place of the list, and Back returns to the list", async () => {
    const backend = useFakeBackend();
    render(App);
    const user = userEvent.setup();
    const button = await screen.findByTestId("preview-conn-1");
    expect(button).toHaveAccessibleName("Preview ada@contoso.com");
    await user.click(button);

    const preview = await screen.findByTestId("preview-screen");
    expect(screen.getByTestId("connections-list")).not.toBeVisible();
    expect(within(preview).getByRole("heading", { name: "ada@contoso.com", level: 2 })).toHaveFocus();
    await waitFor(() => expect(within(preview).getAllByTestId("inbox-message")).toHaveLength(12));
    expect(backend.calls.find((c) => c.cmd === "preview_connection")?.args).toEqual({ id: "conn-1" });

    await user.click(within(preview).getByTestId("preview-back"));
    await waitFor(() => expect(screen.queryByTestId("preview-screen")).not.toBeInTheDocument());
    expect(screen.getByTestId("connections-list")).toBeVisible();
    expect(screen.getByTestId("preview-conn-1")).toHaveFocus();
  });

  it("opens the connection's Fix from its preview, and fetches again once fixed", async () => {
    const backend = useFakeBackend({ scenario: "preview_error" });
    render(App);
    const user = userEvent.setup();
    await user.click(await screen.findByTestId("preview-conn-1"));
    const alert = await screen.findByTestId("preview-error");
    await user.click(within(alert).getByTestId("preview-fix"));
    const dialog = await screen.findByTestId("fix-dialog");
    expect(within(dialog).getByTestId("fix-account")).toHaveTextContent("ada@contoso.com");

    backend.previewError = null;
    await user.click(within(dialog).getByTestId("fix-sign-in"));
    await within(dialog).findByTestId("auth-url");
    await backend.complete();
    await within(dialog).findByTestId("fix-done");
    await user.click(within(dialog).getByTestId("fix-close"));
    await waitFor(() => expect(screen.queryByTestId("fix-dialog")).not.toBeInTheDocument());
    await waitFor(() => expect(screen.getAllByTestId("inbox-message")).toHaveLength(12));
    expect(screen.queryByTestId("preview-error")).not.toBeInTheDocument();
  });

  it("goes back to the list when the previewed connection is removed", async () => {
    const backend = useFakeBackend();
    render(App);
    const user = userEvent.setup();
    await user.click(await screen.findByTestId("preview-conn-1"));
    await screen.findByTestId("preview-screen");
    backend.connections = [];
    await backend.emitChanged();
    await waitFor(() => expect(screen.queryByTestId("preview-screen")).not.toBeInTheDocument());
    expect(screen.getByTestId("connections-list")).toHaveTextContent("No connections yet.");
    expect(screen.getByRole("heading", { name: "Your connections" })).toHaveFocus();
  });

  it("shows a load failure in words with Try again", async () => {
    useFakeBackend({ scenario: "load_error" });
    render(App);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Patchbay could not read its list of connectors.");
    expect(within(alert).getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });
});
