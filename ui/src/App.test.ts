import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import App from "./App.svelte";
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
    const wizard = screen.getByTestId("wizard");
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

  it("reloads the list when the backend says connections changed", async () => {
    const backend = useFakeBackend();
    render(App);
    await screen.findByTestId("connection-conn-1");
    backend.connections = [];
    await backend.emitChanged();
    await waitFor(() => expect(screen.queryByTestId("connection-conn-1")).not.toBeInTheDocument());
  });

  it("shows a load failure in words with Try again", async () => {
    useFakeBackend({ scenario: "load_error" });
    render(App);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Patchbay could not read its list of connectors.");
    expect(within(alert).getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });
});
