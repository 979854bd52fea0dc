/**
 * Follows a video's clock once per animation frame, calling `onTime` only when the time moved
 * (a paused video costs nothing but the frame callback). Answers the function that stops it.
 */
export function followMedia(video: HTMLVideoElement, onTime: (t: number) => void): () => void {
  let raf = 0;
  let shown = -1;
  const frame = (): void => {
    const t = video.currentTime;
    if (t !== shown) {
      shown = t;
      onTime(t);
    }
    raf = requestAnimationFrame(frame);
  };
  raf = requestAnimationFrame(frame);
  return () => cancelAnimationFrame(raf);
}
