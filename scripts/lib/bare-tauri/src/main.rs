//! A bare Tauri page: one window, one command the page calls when it has loaded. Nothing else.

#[tauri::command]
fn ready() {
    eprintln!("page ready");
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ready])
        .run(tauri::generate_context!())
        .expect("the bare page could not start");
}
