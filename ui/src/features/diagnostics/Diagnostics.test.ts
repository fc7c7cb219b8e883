import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { resetVault } from "../../ipc";
import { useFakeBackend } from "../../test/helpers";
import Diagnostics from "./Diagnostics.svelte";

describe("Diagnostics", () => {
  it("checks this computer on request and lists every check with its status", async () => {
    const backend = useFakeBackend();
    render(Diagnostics);
    const user = userEvent.setup();
    expect(screen.queryByTestId("diagnostics")).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Check this computer" }));
    expect(await screen.findByTestId("diagnostics-verdict")).toHaveTextContent("Ready, with 1 thing to know");
    for (const id of ["keychain", "data_dir", "secrets", "loopback", "browser"]) {
      expect(screen.getByTestId(`check-${id}`)).toHaveAttribute("data-status", "ok");
    }
    const links = screen.getByTestId("check-deep_link");
    expect(links).toHaveAttribute("data-status", "warning");
    expect(links).toHaveTextContent("Start the Patchbay app once");
    expect(within(links).getByText("(Note)")).toHaveClass("visually-hidden");
    expect(backend.calls.filter((c) => c.cmd === "diagnose")).toHaveLength(1);
    await user.click(screen.getByRole("button", { name: "Check again" }));
    expect(backend.calls.filter((c) => c.cmd === "diagnose")).toHaveLength(2);
  });

  it("names a missing keychain as a problem, with its fix and detail", async () => {
    useFakeBackend({ scenario: "no_keychain" });
    render(Diagnostics);
    await userEvent.setup().click(screen.getByTestId("diagnose"));
    expect(await screen.findByTestId("diagnostics-verdict")).toHaveTextContent("1 problem to fix");
    const keychain = screen.getByTestId("check-keychain");
    expect(keychain).toHaveAttribute("data-status", "failed");
    expect(keychain).toHaveTextContent("The keychain is not available.");
    expect(keychain).toHaveTextContent("Start and unlock a keyring");
    expect(keychain).toHaveTextContent("org.freedesktop.secrets was not provided");
  });

  it("offers a new vault key when the old one is gone, asks first, and says where the old secrets went", async () => {
    const backend = useFakeBackend({ scenario: "vault_key_gone" });
    render(Diagnostics);
    const user = userEvent.setup();
    await user.click(screen.getByTestId("diagnose"));
    const keychain = await screen.findByTestId("check-keychain");
    expect(keychain).toHaveAttribute("data-status", "failed");
    expect(keychain).toHaveTextContent("vault key is missing");

    // Cancel changes nothing.
    await user.click(within(keychain).getByTestId("reset-vault"));
    expect(within(keychain).getByTestId("reset-vault-confirm")).toHaveTextContent("Set them aside and make a new key");
    await user.click(within(keychain).getByTestId("reset-vault-cancel"));
    expect(backend.calls.filter((c) => c.cmd === "reset_vault")).toHaveLength(0);

    await user.click(within(keychain).getByTestId("reset-vault"));
    await user.click(within(keychain).getByTestId("reset-vault-confirm"));
    expect(await screen.findByTestId("reset-vault-done")).toHaveTextContent(
      "Made a new vault key. The old sealed secrets are in /home/ada/.local/share/patchbay/secrets/orphaned-1796000000.",
    );
    expect(backend.calls.filter((c) => c.cmd === "reset_vault")).toHaveLength(1);
    // The connections are checked at once (they now need Fix), and this computer again: the keychain is fine.
    expect(backend.calls.filter((c) => c.cmd === "check_connections")).toHaveLength(1);
    expect(screen.getByTestId("check-keychain")).toHaveAttribute("data-status", "ok");
    expect(screen.queryByTestId("reset-vault")).not.toBeInTheDocument();
  });

  it("shows why a new vault key could not be made", async () => {
    useFakeBackend({ scenario: "vault_key_gone" });
    render(Diagnostics);
    const user = userEvent.setup();
    await user.click(screen.getByTestId("diagnose"));
    const keychain = await screen.findByTestId("check-keychain");
    // Meanwhile someone else made the key (`patchbay reset-vault`).
    await resetVault();
    await user.click(within(keychain).getByTestId("reset-vault"));
    await user.click(within(keychain).getByTestId("reset-vault-confirm"));
    expect(await within(keychain).findByTestId("reset-vault-error")).toHaveTextContent("there is nothing to replace");
  });
});
