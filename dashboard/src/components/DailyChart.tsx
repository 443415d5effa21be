/** The home page's daily series (recharts, loaded on demand: it is the biggest dependency). */
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface DailyChartProps {
  data: { label: string; conversations: number; handoffs: number }[];
  conversationsLabel: string;
  handoffsLabel: string;
}

export default function DailyChart({ data, conversationsLabel, handoffsLabel }: DailyChartProps) {
  return (
    <ResponsiveContainer width="100%" height={260}>
      <BarChart data={data}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e5e7eb" />
        <XAxis dataKey="label" tick={{ fontSize: 12 }} interval="preserveStartEnd" minTickGap={16} />
        <YAxis allowDecimals={false} tick={{ fontSize: 12 }} width={36} />
        <Tooltip />
        <Legend />
        <Bar dataKey="conversations" name={conversationsLabel} fill="#4f46e5" radius={[3, 3, 0, 0]} />
        <Bar dataKey="handoffs" name={handoffsLabel} fill="#f59e0b" radius={[3, 3, 0, 0]} />
      </BarChart>
    </ResponsiveContainer>
  );
}
