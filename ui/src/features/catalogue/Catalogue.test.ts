import { fireEvent, render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { SAMPLE_CONNECTORS } from "../../ipc/fake-backend";
import Catalogue from "./Catalogue.svelte";

describe("Catalogue", () => {
  it("renders a card per connector with permissions in words and scopes", () => {
    render(Catalogue, { connectors: SAMPLE_CONNECTORS, onAdd: vi.fn() });
    const outlook = screen.getByTestId("connector-card-outlook365");
    expect(within(outlook).getByRole("heading", { name: "Microsoft Outlook 365" })).toBeInTheDocument();
    expect(within(outlook).getByText("16 permissions")).toBeInTheDocument();
    expect(within(outlook).getByText("Send mail as you")).toBeInTheDocument();
    expect(within(outlook).getByText("Mail.Send")).toBeInTheDocument();
    expect(screen.getByTestId("connector-card-teams")).toBeInTheDocument();
    expect(screen.getByTestId("connector-card-onedrive-sharepoint")).toBeInTheDocument();
  });

  it("offers Add connection for Outlook, OneDrive and Teams", async () => {
    const onAdd = vi.fn();
    render(Catalogue, { connectors: SAMPLE_CONNECTORS, onAdd });
    expect(screen.getByTestId("add-connection-teams")).toBeEnabled();
    expect(screen.getByTestId("add-connection-teams")).not.toHaveTextContent("Coming soon");
    expect(screen.getByTestId("add-connection-onedrive-sharepoint")).toBeEnabled();
    await userEvent.click(screen.getByTestId("add-connection-teams"));
    expect(onAdd).toHaveBeenCalledWith(expect.objectContaining({ id: "teams" }));
    await userEvent.click(screen.getByTestId("add-connection-outlook365"));
    expect(onAdd).toHaveBeenCalledWith(expect.objectContaining({ id: "outlook365" }));
    await userEvent.click(screen.getByTestId("add-connection-onedrive-sharepoint"));
    expect(onAdd).toHaveBeenCalledWith(expect.objectContaining({ id: "onedrive-sharepoint" }));
  });

  it("filters as you type, by name and by scope, and says when nothing matches", async () => {
    render(Catalogue, { connectors: SAMPLE_CONNECTORS, onAdd: vi.fn() });
    const search = screen.getByLabelText("Search connectors");
    await userEvent.type(search, "TEAMS");
    expect(screen.queryByTestId("connector-card-outlook365")).not.toBeInTheDocument();
    expect(screen.getByTestId("connector-card-teams")).toBeInTheDocument();

    await fireEvent.input(search, { target: { value: "files.readwrite" } });
    expect(screen.getByTestId("connector-card-onedrive-sharepoint")).toBeInTheDocument();
    expect(screen.queryByTestId("connector-card-teams")).not.toBeInTheDocument();

    await fireEvent.input(search, { target: { value: "xyz" } });
    expect(screen.getByTestId("no-match")).toHaveTextContent("No connector matches “xyz”.");

    await fireEvent.input(search, { target: { value: "" } });
    expect(screen.queryByTestId("no-match")).not.toBeInTheDocument();
    expect(screen.getAllByRole("article")).toHaveLength(3);
  });
});
