//! The run's timeline: a Gantt of every node's start and finish in simulated time, with a
//! scrubber. Dragging it (or play / step / the ends) shows the whole run — the DAG, the node
//! table — as it was at that moment; the engine module replays the simulation at that time.

use gloo_timers::callback::Timeout;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::event_argo::{show_all, Answer, ROWS_SHOWN};
use crate::argo_views::EventResult;
use crate::state::{Action, StateHandle};

/// Simulated seconds → milliseconds for the engine.
fn ms(seconds: f64) -> u64 {
    (seconds.max(0.0) * 1000.0).round() as u64
}

/// Every moment something changes (a node created, started, ended), in order: the steps.
fn moments(result: &EventResult) -> Vec<f64> {
    let mut times: Vec<f64> = result
        .workflows
        .iter()
        .flat_map(|w| w.moments.iter().copied())
        .collect();
    times.push(0.0);
    times.sort_by(f64::total_cmp);
    times.dedup();
    times
}

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    /// The answer to a Send (drawn when it is a result).
    pub answer: Answer,
}

#[function_component(Timeline)]
pub fn timeline(props: &TimelineProps) -> Html {
    let state = use_context::<StateHandle>().expect("state context");
    let playing = use_state(|| false);
    let all_rows = use_state(|| false);
    let Ok(result) = &*props.answer else {
        return Html::default();
    };
    let end = result.workflows.iter().map(|w| w.end).fold(0.0, f64::max);
    let now = state.event_at.map_or(end, |t| t as f64 / 1000.0).min(end);
    let pending = state.event_request.is_some();
    let scrub = {
        let state = state.clone();
        move |t: f64| {
            let at = if t >= end { None } else { Some(ms(t)) };
            state.dispatch(Action::Scrub { at });
        }
    };
    {
        // Playing: advance a twentieth of the run every 150 ms, once the last frame is shown.
        let (playing, scrub) = (playing.clone(), scrub.clone());
        use_effect_with((*playing, now, pending), move |&(on, now, pending)| {
            let timer = (on && !pending).then(|| {
                Timeout::new(150, move || {
                    if now >= end {
                        playing.set(false);
                    } else {
                        scrub((now + end / 20.0).min(end));
                    }
                })
            });
            move || drop(timer)
        });
    }
    let times = moments(result);
    let jump = |target: fn(&[f64], f64, f64) -> f64| {
        let (scrub, times, playing) = (scrub.clone(), times.clone(), playing.clone());
        Callback::from(move |_: MouseEvent| {
            playing.set(false);
            scrub(target(&times, now, end));
        })
    };
    let on_input = {
        let (scrub, playing) = (scrub.clone(), playing.clone());
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            playing.set(false);
            scrub(input.value_as_number());
        })
    };
    let toggle = {
        let (playing, scrub) = (playing.clone(), scrub.clone());
        Callback::from(move |_: MouseEvent| {
            if !*playing && now >= end {
                scrub(0.0);
            }
            playing.set(!*playing);
        })
    };
    let pct = |t: f64| if end > 0.0 { t / end * 100.0 } else { 0.0 };
    let total = result.workflows.iter().map(|w| w.nodes.len()).sum();
    let limit = if *all_rows { usize::MAX } else { ROWS_SHOWN };
    let bars = result.workflows.iter().flat_map(|w| &w.nodes).take(limit).map(|n| {
        let finish = n.finished.unwrap_or(end);
        html! {
            <div class="gantt-row" data-testid="gantt-row" data-name={n.display_name.clone()}>
                <span class="gantt-name">{ &n.display_name }</span>
                <span class="gantt-track">
                    <span class={classes!("gantt-bar", format!("phase-{}", n.phase.to_ascii_lowercase()))}
                        title={format!("{} {}: {:.1}s → {:.1}s", n.display_name, n.phase, n.started, finish)}
                        style={format!("left:{:.2}%;width:{:.2}%", pct(n.started), (pct(finish) - pct(n.started)).max(0.6))}></span>
                </span>
            </div>
        }
    });
    html! {
        <section class="timeline" data-testid="timeline">
            <div class="timeline-controls">
                <button title="Start" data-testid="timeline-start" onclick={jump(|_, _, _| 0.0)}>{ "«" }</button>
                <button title="Previous moment" data-testid="timeline-back"
                    onclick={jump(|ts, now, _| ts.iter().rev().copied().find(|t| *t < now - 1e-9).unwrap_or(0.0))}>{ "‹" }</button>
                <button title={if *playing { "Pause" } else { "Play" }} data-testid="timeline-play" onclick={toggle}>
                    { if *playing { "II" } else { "▶" } }</button>
                <button title="Next moment" data-testid="timeline-forward"
                    onclick={jump(|ts, now, end| ts.iter().copied().find(|t| *t > now + 1e-9).unwrap_or(end))}>{ "›" }</button>
                <button title="End" data-testid="timeline-end" onclick={jump(|_, _, end| end)}>{ "»" }</button>
                <input type="range" min="0" max={end.to_string()} step="0.1" value={now.to_string()}
                    aria-label="Simulated time" data-testid="timeline-scrubber" oninput={on_input} />
                <span class="muted" data-testid="timeline-time">{ format!("t = {now:.1}s / {end:.1}s") }</span>
            </div>
            <div class="gantt-scroll">
                <div class="gantt" style={format!("--now:{:.2}", pct(now))}>
                    { for bars }
                </div>
                { show_all(total, &all_rows, "show-all-bars") }
            </div>
        </section>
    }
}
